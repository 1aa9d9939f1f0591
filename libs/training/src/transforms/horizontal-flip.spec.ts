import { horizontalFlip, randomHorizontalFlip, shouldFlip } from './horizontal-flip';

describe('horizontal flip', () => {
  const shape = { height: 2, width: 3, channels: 2 };
  // pixel (y, x) channel c = 100y + 10x + c
  const image = Uint8Array.from({ length: 12 }, (_, i) => {
    const pixel = Math.floor(i / 2);
    return 100 * Math.floor(pixel / 3) + 10 * (pixel % 3) + (i % 2);
  });

  it('mirrors each row, keeping channels together', () => {
    expect(Array.from(horizontalFlip(image, shape))).toEqual([20, 21, 10, 11, 0, 1, 120, 121, 110, 111, 100, 101]);
    expect(Array.from(horizontalFlip(horizontalFlip(image, shape), shape))).toEqual(Array.from(image));
  });

  it('flips when rand < p, as torchvision does', () => {
    expect(shouldFlip(() => 0.49)).toBe(true);
    expect(shouldFlip(() => 0.5)).toBe(false);
    expect(Array.from(randomHorizontalFlip(image, shape, () => 0.1))).toEqual(Array.from(horizontalFlip(image, shape)));
    const kept = randomHorizontalFlip(image, shape, () => 0.9);
    expect(Array.from(kept)).toEqual(Array.from(image));
    expect(kept).not.toBe(image);
  });
});
