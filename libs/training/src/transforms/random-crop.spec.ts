import { cropWithPadding, randomCrop, randomCropOffsets } from './random-crop';

// 3×3, values 1..9 row-major.
const image = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9);
const shape = { height: 3, width: 3, channels: 1 };
const crop = (top: number, left: number, padding = 1) => Array.from(cropWithPadding(image, shape, padding, { top, left }));

describe('random crop with zero padding', () => {
  it('takes the window at (top, left) of the zero-padded image', () => {
    expect(crop(1, 1)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]); // centre: unchanged
    expect(crop(0, 0)).toEqual([0, 0, 0, 0, 1, 2, 0, 4, 5]); // shifted down-right
    expect(crop(2, 2)).toEqual([5, 6, 0, 8, 9, 0, 0, 0, 0]); // shifted up-left
    expect(crop(0, 2)).toEqual([0, 0, 0, 2, 3, 0, 5, 6, 0]);
    expect(crop(0, 0, 4)).toEqual(new Array(9).fill(0)); // window entirely in the padding
  });

  it('keeps the channels of a pixel together', () => {
    const rgb = Uint8Array.of(10, 11, 12, 20, 21, 22); // 1×2×3
    expect(Array.from(cropWithPadding(rgb, { height: 1, width: 2, channels: 3 }, 1, { top: 1, left: 2 }))).toEqual([20, 21, 22, 0, 0, 0]);
  });

  it('draws top then left uniformly from 0..2·padding, like torch.randint(0, h - th + 1)', () => {
    const draws = [0, 0.999, 0.5];
    const rng = () => draws.shift()!;
    expect(randomCropOffsets(4, rng)).toEqual({ top: 0, left: 8 });
    const seen = new Set<string>();
    let r = 0;
    for (let i = 0; i < 500; i++) {
      const { top, left } = randomCropOffsets(2, () => ((r = (r * 9301 + 49297) % 233280) / 233280));
      expect(top).toBeGreaterThanOrEqual(0);
      expect(left).toBeLessThanOrEqual(4);
      seen.add(`${top},${left}`);
    }
    expect(seen.size).toBe(25);
  });

  it('randomCrop applies the drawn offsets', () => {
    const draws = [0, 0];
    expect(Array.from(randomCrop(image, shape, 1, () => draws.shift()!))).toEqual(crop(0, 0));
  });
});
