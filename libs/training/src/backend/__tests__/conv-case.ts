/** One random conv2d gradient case, shared by the filter- and input-gradient kernel specs. */
export type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

export interface ConvCase {
  x: [number, number, number, number];
  k: [number, number];
  co: number;
  stride: number | [number, number];
  pad: Pad;
}

/**
 * The cases both kernel specs check: batch 1 and >1, channels 1 and >1, strides 1 and 2,
 * same/valid/explicit padding, odd sizes, non-square filters, and a stride that leaves trailing
 * rows the forward conv never reads (valid, 10 → 4 at stride 2). Each spec adds its own.
 */
export const SHARED_CONV_CASES: ConvCase[] = [
  { x: [1, 6, 6, 1], k: [3, 3], co: 1, stride: 1, pad: 'valid' },
  { x: [3, 7, 5, 2], k: [3, 3], co: 4, stride: 1, pad: 'same' },
  { x: [2, 9, 9, 3], k: [3, 3], co: 5, stride: 2, pad: 'same' },
  { x: [2, 8, 8, 3], k: [3, 3], co: 2, stride: 2, pad: 'same' },
  { x: [2, 10, 9, 1], k: [3, 3], co: 3, stride: 2, pad: 'valid' },
  { x: [1, 7, 8, 2], k: [2, 3], co: 3, stride: [2, 1], pad: 'same' },
  { x: [2, 6, 6, 4], k: [3, 3], co: 2, stride: 1, pad: 1 },
  { x: [2, 7, 7, 2], k: [3, 3], co: 3, stride: 2, pad: [[0, 0], [2, 0], [1, 2], [0, 0]] },
];
