import type { Rng } from '../random';
import { assertImage, type ImageShape } from './image-shape';

export interface CropOffsets {
  top: number;
  left: number;
}

/**
 * torchvision RandomCrop(size = image size, padding): top then left, each uniform in
 * [0, 2·padding] (its `torch.randint(0, h - th + 1)`), in that draw order.
 */
export function randomCropOffsets(padding: number, rng: Rng): CropOffsets {
  const range = 2 * padding + 1;
  const top = Math.floor(rng() * range);
  const left = Math.floor(rng() * range);
  return { top, left };
}

/**
 * Zero-pads by `padding` on every side, then takes the H×W window at (top, left) of the padded
 * image. Padding is byte 0 (torchvision pads the PIL image with fill=0 before ToTensor), so after
 * Normalize a padded pixel is (0 - mean) / std, not 0.
 */
export function cropWithPadding(image: Uint8Array, shape: ImageShape, padding: number, offsets: CropOffsets): Uint8Array {
  assertImage(image, shape);
  const { height: h, width: w, channels: c } = shape;
  const out = new Uint8Array(image.length);
  const dy = offsets.top - padding;
  const dx = offsets.left - padding;
  for (let y = 0; y < h; y++) {
    const sy = y + dy;
    if (sy < 0 || sy >= h) continue;
    for (let x = 0; x < w; x++) {
      const sx = x + dx;
      if (sx < 0 || sx >= w) continue;
      const to = (y * w + x) * c;
      const from = (sy * w + sx) * c;
      for (let ch = 0; ch < c; ch++) out[to + ch] = image[from + ch];
    }
  }
  return out;
}

export function randomCrop(image: Uint8Array, shape: ImageShape, padding: number, rng: Rng): Uint8Array {
  return cropWithPadding(image, shape, padding, randomCropOffsets(padding, rng));
}
