import { pixelPermutation } from './pixel-permutation';
import { compileTransforms } from './transform-plan';

describe('compileTransforms', () => {
  const shape = { height: 4, width: 4, channels: 1 };

  it('turns the spec fields into a plan', () => {
    const plan = compileTransforms(
      { transforms: { randomCrop: { padding: 2 }, horizontalFlip: true, normalize: { mean: [0.5], std: [0.5] } }, permutePixels: 9 },
      shape,
    );
    expect(plan.padding).toBe(2);
    expect(plan.flip).toBe(true);
    expect(Array.from(plan.permutation!)).toEqual(Array.from(pixelPermutation(9, shape)));
    expect(plan.table[255]).toBe(1);
  });

  it('defaults to no augmentation, no permutation and plain ToTensor', () => {
    const plan = compileTransforms({ permutePixels: false }, shape);
    expect(plan).toMatchObject({ padding: 0, flip: false, permutation: null });
    expect(plan.table[51]).toBe(Math.fround(0.2));
  });

  it('permutes with seed 0 too (only false turns it off)', () => {
    expect(compileTransforms({ permutePixels: 0 }, shape).permutation).not.toBeNull();
  });

  it('rejects normalize constants for another channel count', () => {
    expect(() => compileTransforms({ transforms: { normalize: { mean: [0.1, 0.2, 0.3], std: [1, 1, 1] } } }, shape)).toThrow(RangeError);
  });
});
