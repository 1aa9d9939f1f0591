declare module 'virtual:mnist-samples' {
  /** The first test digits of the bundled MNIST split: `pixels` is base64 of count·height·width bytes. */
  const samples: { height: number; width: number; labels: number[]; pixels: string };
  export default samples;
}
