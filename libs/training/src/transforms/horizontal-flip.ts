import type { Rng } from '../random';
import { assertImage, type ImageShape } from './image-shape';

/** torchvision RandomHorizontalFlip: flips when `torch.rand(1) < p`. */
export const shouldFlip = (rng: Rng, p = 0.5): boolean => rng() < p;

/** Mirrors left–right: out(y, x) = image(y, W-1-x), channels kept together. */
export function horizontalFlip(image: Uint8Array, shape: ImageShape): Uint8Array {
  assertImage(image, shape);
  const { height: h, width: w, channels: c } = shape;
  const out = new Uint8Array(image.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const to = (y * w + x) * c;
      const from = (y * w + (w - 1 - x)) * c;
      for (let ch = 0; ch < c; ch++) out[to + ch] = image[from + ch];
    }
  }
  return out;
}

export function randomHorizontalFlip(image: Uint8Array, shape: ImageShape, rng: Rng, p = 0.5): Uint8Array {
  return shouldFlip(rng, p) ? horizontalFlip(image, shape) : image.slice();
}
