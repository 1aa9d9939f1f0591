import type { ImageSet } from './dataset.types';
import { DatasetError } from './dataset.types';
import { generateSynthetic } from './synthetic.loader';

/** Nearest class mean: if this simple rule separates the classes, any small model learns them fast. */
function nearestMeanAccuracy(train: ImageSet, test: ImageSet, size: number, classes = 10): number {
  const means = Array.from({ length: classes }, () => new Float64Array(size));
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < train.count; i++) {
    const m = means[train.labels[i]];
    counts[train.labels[i]]++;
    for (let p = 0; p < size; p++) m[p] += train.images[i * size + p];
  }
  means.forEach((m, c) => m.forEach((v, p) => (m[p] = v / counts[c])));
  let correct = 0;
  for (let i = 0; i < test.count; i++) {
    let best = -1;
    let bestDistance = Infinity;
    means.forEach((m, c) => {
      let d = 0;
      for (let p = 0; p < size; p++) d += (test.images[i * size + p] - m[p]) ** 2;
      if (d < bestDistance) [best, bestDistance] = [c, d];
    });
    if (best === test.labels[i]) correct++;
  }
  return correct / test.count;
}

describe('generateSynthetic', () => {
  it('defaults to 1000 train / 200 test images of 28×28×1 with ten balanced classes', () => {
    const ds = generateSynthetic();
    expect(ds).toMatchObject({ name: 'synthetic', height: 28, width: 28, channels: 1 });
    expect(ds.train.count).toBe(1000);
    expect(ds.test.count).toBe(200);
    expect(ds.train.images.length).toBe(1000 * 784);
    expect(ds.classNames).toHaveLength(10);
    expect(Array.from(ds.train.labels.subarray(0, 12))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
  });

  it('takes its size and shape from the options', () => {
    const ds = generateSynthetic({ shape: { height: 8, width: 6, channels: 3 }, limit: 30, testLimit: 7 });
    expect(ds).toMatchObject({ height: 8, width: 6, channels: 3 });
    expect(ds.train.images.length).toBe(30 * 8 * 6 * 3);
    expect(ds.test.labels.length).toBe(7);
  });

  it('is deterministic from the seed, and a larger limit keeps the same first samples', () => {
    const a = generateSynthetic({ seed: 5, limit: 20 });
    const b = generateSynthetic({ seed: 5, limit: 50 });
    const c = generateSynthetic({ seed: 6, limit: 20 });
    expect(Buffer.compare(a.train.images, b.train.images.subarray(0, a.train.images.length))).toBe(0);
    expect(Buffer.compare(a.test.images, b.test.images)).toBe(0);
    expect(Buffer.compare(a.train.images, c.train.images)).not.toBe(0);
  });

  it('uses the whole byte range and differs between samples of a class', () => {
    const ds = generateSynthetic({ limit: 20 });
    const first = ds.train.images.subarray(0, 784);
    const eleventh = ds.train.images.subarray(10 * 784, 11 * 784); // same class 0
    expect(Buffer.compare(first, eleventh)).not.toBe(0);
    expect(Math.max(...ds.train.images) - Math.min(...ds.train.images)).toBeGreaterThan(200);
  });

  it.each([
    [{ height: 28, width: 28, channels: 1 }],
    [{ height: 32, width: 32, channels: 3 }],
  ])('is learnable: nearest class mean scores > 95%% on %j', (shape) => {
    const ds = generateSynthetic({ shape, limit: 300, testLimit: 200, seed: 3 });
    expect(nearestMeanAccuracy(ds.train, ds.test, shape.height * shape.width * shape.channels)).toBeGreaterThan(0.95);
  });

  it('rejects shapes out of range', () => {
    expect(() => generateSynthetic({ shape: { height: 0, width: 28, channels: 1 } })).toThrow(DatasetError);
    expect(() => generateSynthetic({ shape: { height: 28, width: 28, channels: 5 } })).toThrow(/channels 1..4/);
  });
});
