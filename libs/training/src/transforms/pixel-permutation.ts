import { createRng, permutation } from '../random';
import { assertImage, type ImageShape } from './image-shape';

/**
 * The course's `torch.randperm(784)`: one fixed permutation of the H·W pixel positions, drawn
 * from `seed` alone so the API, CLI and every worker derive the same one for a run.
 */
export function pixelPermutation(seed: number, shape: Pick<ImageShape, 'height' | 'width'>): Int32Array {
  return permutation(shape.height * shape.width, createRng(seed));
}

/**
 * out[k] = image[perm[k]] for every channel alike (the course's `data.view(-1, 784)[:, perm]`).
 */
export function applyPixelPermutation(image: Uint8Array, shape: ImageShape, perm: Int32Array): Uint8Array {
  assertImage(image, shape);
  const pixels = shape.height * shape.width;
  if (perm.length !== pixels) throw new RangeError(`permutation has ${perm.length} entries, expected ${pixels}`);
  const c = shape.channels;
  const out = new Uint8Array(image.length);
  for (let k = 0; k < pixels; k++) {
    const from = perm[k] * c;
    for (let ch = 0; ch < c; ch++) out[k * c + ch] = image[from + ch];
  }
  return out;
}
