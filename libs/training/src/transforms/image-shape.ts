/** The shape of one image, NHWC: a `Dataset` satisfies it. */
export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

export const imageSize = (shape: ImageShape): number => shape.height * shape.width * shape.channels;

export function assertImage(image: Uint8Array, shape: ImageShape): void {
  if (image.length !== imageSize(shape)) {
    throw new RangeError(
      `image has ${image.length} bytes, expected ${shape.height}×${shape.width}×${shape.channels} = ${imageSize(shape)}`,
    );
  }
}
