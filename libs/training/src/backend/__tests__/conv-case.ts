/** One random conv2d gradient case, shared by the filter- and input-gradient kernel specs. */
export type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

export interface ConvCase {
  x: [number, number, number, number];
  k: [number, number];
  co: number;
  stride: number | [number, number];
  pad: Pad;
}
