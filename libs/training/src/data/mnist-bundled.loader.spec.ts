import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from './dataset.types';
import { bundledDigitsDir, decodeDigitValue, loadMnistBundled, MNIST_BUNDLED_SPLIT } from './mnist-bundled.loader';

const PIXELS = 784;
const histogram = (labels: Uint8Array, n = labels.length) => {
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < n; i++) counts[labels[i]]++;
  return counts;
};

describe('mnist-bundled', () => {
  let raw: number[][];
  let ds: Dataset;
  beforeAll(async () => {
    raw = Array.from({ length: 10 }, (_, d) => (JSON.parse(readFileSync(join(bundledDigitsDir(), `${d}.json`), 'utf8')) as { data: number[] }).data);
    ds = await loadMnistBundled();
  });

  it('stores every value as byte/255 rounded to 3 decimals, so Math.round(v·255) is exact', () => {
    // The claim, checked directly on every distinct value: rounding the byte back gives exactly v.
    const distinct = new Set<number>();
    for (const values of raw) for (const v of values) distinct.add(v);
    const bytes = new Set<number>();
    for (const v of distinct) {
      const byte = Math.round(v * 255);
      expect(Math.round((byte / 255) * 1000) / 1000).toBe(v);
      expect(decodeDigitValue(v)).toBe(byte);
      bytes.add(byte);
    }
    expect(bytes.size).toBe(distinct.size); // one-to-one
    expect(distinct.size).toBe(256);
  });

  it('rejects values that are not a rounded byte', () => {
    expect(decodeDigitValue(0.5)).toBe(-1); // 127.5/255: no byte rounds to 0.500
    expect(decodeDigitValue(1.2)).toBe(-1);
    expect(decodeDigitValue(-0.004)).toBe(-1);
    expect(decodeDigitValue(0.502)).toBe(128);
  });

  it('splits each class 80/20 with the documented counts', () => {
    expect(raw.map((d) => d.length / PIXELS)).toEqual(MNIST_BUNDLED_SPLIT.perClass);
    expect(histogram(ds.train.labels)).toEqual(MNIST_BUNDLED_SPLIT.train);
    expect(histogram(ds.test.labels)).toEqual(MNIST_BUNDLED_SPLIT.test);
    expect(ds.train.count).toBe(MNIST_BUNDLED_SPLIT.trainTotal);
    expect(ds.test.count).toBe(MNIST_BUNDLED_SPLIT.testTotal);
    expect(ds.train.images.length).toBe(7996 * PIXELS);
    expect(ds).toMatchObject({ name: 'mnist-bundled', height: 28, width: 28, channels: 1 });
  });

  it('interleaves round-robin, so any first N is class-balanced', () => {
    expect(Array.from(ds.train.labels.subarray(0, 20))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(histogram(ds.train.labels, 6900)).toEqual(new Array(10).fill(690)); // class 5 has 690
    expect(histogram(ds.test.labels, 1730)).toEqual(new Array(10).fill(173));
  });

  it('takes train from the start of each class file and test from the rest', () => {
    const bytes = (values: number[], index: number) => values.slice(index * PIXELS, (index + 1) * PIXELS).map((v) => Math.round(v * 255));
    // Train sample 13 is digit 3's second image; test sample 12 is digit 2's image 792 + 1.
    expect(Array.from(ds.train.images.subarray(13 * PIXELS, 14 * PIXELS))).toEqual(bytes(raw[3], 1));
    expect(Array.from(ds.test.images.subarray(12 * PIXELS, 13 * PIXELS))).toEqual(bytes(raw[2], 793));
    // The last test image of digit 1 (its file's last) appears in the test set.
    const lastOfOne = bytes(raw[1], 1126).join();
    let found = false;
    for (let i = 0; i < ds.test.count && !found; i++) {
      found = ds.test.labels[i] === 1 && Array.from(ds.test.images.subarray(i * PIXELS, (i + 1) * PIXELS)).join() === lastOfOne;
    }
    expect(found).toBe(true);
  });

  it('is deterministic', async () => {
    const again = await loadMnistBundled();
    expect(Buffer.compare(again.train.images, ds.train.images)).toBe(0);
    expect(Buffer.compare(again.test.labels, ds.test.labels)).toBe(0);
  });
});
