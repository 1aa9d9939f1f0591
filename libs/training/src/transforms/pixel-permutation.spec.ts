import { applyPixelPermutation, pixelPermutation } from './pixel-permutation';

describe('pixel permutation', () => {
  const shape = { height: 28, width: 28, channels: 1 };

  it('is a true permutation of the 784 positions, fixed by the seed', () => {
    const perm = pixelPermutation(42, shape);
    expect(perm).toHaveLength(784);
    expect(Array.from(perm).sort((a, b) => a - b)).toEqual(Array.from({ length: 784 }, (_, i) => i));
    expect(Array.from(pixelPermutation(42, shape))).toEqual(Array.from(perm));
    expect(Array.from(pixelPermutation(43, shape))).not.toEqual(Array.from(perm));
    expect(Array.from(perm).filter((p, i) => p === i).length).toBeLessThan(10); // actually moves pixels
  });

  it('moves whole pixels: every channel by the same permutation', () => {
    const rgb = { height: 2, width: 2, channels: 3 };
    const image = Uint8Array.from({ length: 12 }, (_, i) => i * 10); // pixel k, channel c = (3k + c)·10
    const perm = Int32Array.of(2, 0, 3, 1);
    expect(Array.from(applyPixelPermutation(image, rgb, perm))).toEqual([60, 70, 80, 0, 10, 20, 90, 100, 110, 30, 40, 50]);
  });

  it('rejects a permutation of the wrong length', () => {
    expect(() => applyPixelPermutation(new Uint8Array(4), { height: 2, width: 2, channels: 1 }, Int32Array.of(0, 1, 2))).toThrow(RangeError);
  });
});
