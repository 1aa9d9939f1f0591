import { normalizationTable, normalize } from './normalize';

describe('normalize (ToTensor then Normalize)', () => {
  it('maps bytes to (x/255 - mean)/std', () => {
    const out = normalize(Uint8Array.of(0, 255, 128), { height: 1, width: 3, channels: 1 }, { mean: [0.5], std: [0.5] });
    expect(out[0]).toBe(-1);
    expect(out[1]).toBe(1);
    expect(out[2]).toBeCloseTo((128 / 255 - 0.5) / 0.5, 6); // float32
  });

  it('matches PyTorch float32 arithmetic for the MNIST constants', () => {
    const f = Math.fround;
    const table = normalizationTable(1, { mean: [0.1307], std: [0.3081] });
    expect(table[0]).toBe(f(f(0 - f(0.1307)) / f(0.3081)));
    expect(table[0]).toBeCloseTo(-0.4242, 4);
    expect(table[255]).toBeCloseTo(2.8215, 4);
  });

  it('uses one mean/std per channel, or broadcasts a single value', () => {
    const rgb = { height: 1, width: 2, channels: 3 };
    const image = Uint8Array.of(255, 255, 255, 0, 0, 0);
    const perChannel = normalize(image, rgb, { mean: [0, 0.5, 1], std: [1, 0.5, 0.25] });
    expect(Array.from(perChannel)).toEqual([1, 1, 0, 0, -1, -4]);
    expect(Array.from(normalize(image, rgb, { mean: [0.5], std: [0.5] }))).toEqual([1, 1, 1, -1, -1, -1]);
  });

  it('is plain ToTensor without settings', () => {
    expect(Array.from(normalize(Uint8Array.of(0, 51, 255), { height: 1, width: 3, channels: 1 }))).toEqual([0, Math.fround(0.2), 1]);
  });

  it('rejects mean/std whose length fits neither 1 nor the channels', () => {
    expect(() => normalizationTable(3, { mean: [0.5, 0.5], std: [0.5, 0.5] })).toThrow(/mean has 2 values; the images have 3 channel/);
    expect(() => normalizationTable(1, { mean: [0.5], std: [0] })).toThrow(/positive/);
  });
});
