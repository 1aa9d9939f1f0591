import { createHash } from 'node:crypto';
import { createRng, permutation, restoreRng, type Rng } from '../random';
import { horizontalFlip } from '../transforms/horizontal-flip';
import type { ImageShape } from '../transforms/image-shape';
import { normalize } from '../transforms/normalize';
import { applyPixelPermutation, pixelPermutation } from '../transforms/pixel-permutation';
import { cropWithPadding } from '../transforms/random-crop';
import { compileTransforms } from '../transforms/transform-plan';
import { batchCount, iterateBatches, type Batch } from './batches';
import type { ImageSet } from './dataset.types';

/** Sample i: every byte = i (so x recovers the index), label i % 10. */
function indexSet(count: number, shape: ImageShape): ImageSet {
  const size = shape.height * shape.width * shape.channels;
  const images = new Uint8Array(count * size);
  for (let i = 0; i < count; i++) images.fill(i, i * size, (i + 1) * size);
  return { images, labels: Uint8Array.from({ length: count }, (_, i) => i % 10), count };
}

/** Random bytes: for checks where every pixel must land in the right place. */
function randomSet(count: number, shape: ImageShape, seed = 1): ImageSet {
  const rng = createRng(seed);
  const size = shape.height * shape.width * shape.channels;
  return {
    images: Uint8Array.from({ length: count * size }, () => Math.floor(rng() * 256)),
    labels: Uint8Array.from({ length: count }, () => Math.floor(rng() * 10)),
    count,
  };
}

const SMALL: ImageShape = { height: 2, width: 2, channels: 1 };
const plain = { transforms: {}, permutePixels: false as const };
/** Sample indices in the order the batches carry them (first value of each image × 255). */
const order = (batches: Batch[], size: number) => batches.flatMap((b) => Array.from({ length: b.n }, (_, i) => Math.round(b.x[i * size] * 255)));
const epoch = (set: ImageSet, shuffle: boolean, rng: Rng, batchSize = 3) =>
  [...iterateBatches(set, SMALL, { batchSize, shuffle, rng, transforms: plain, train: true })];

describe('batchCount', () => {
  it('counts the last partial batch', () => {
    expect(batchCount(10, 3)).toBe(4);
    expect(batchCount(9, 3)).toBe(3);
    expect(batchCount(60000, 64)).toBe(938);
    expect(batchCount(50000, 128)).toBe(391);
    expect(batchCount(0, 5)).toBe(0);
    expect(() => batchCount(10, 0)).toThrow(RangeError);
  });
});

describe('iterateBatches', () => {
  it('without shuffle yields every sample once, in order, keeping the partial last batch', () => {
    const set = indexSet(10, SMALL);
    const batches = epoch(set, false, createRng(0));
    expect(batches.map((b) => b.n)).toEqual([3, 3, 3, 1]);
    expect(batches.map((b) => b.x.length)).toEqual([12, 12, 12, 4]);
    expect(batches[3].y).toBeInstanceOf(Int32Array);
    expect(order(batches, 4)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(batches.flatMap((b) => Array.from(b.y))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(order(epoch(set, false, createRng(1)), 4)).toEqual(order(batches, 4));
  });

  it('with shuffle yields every sample exactly once per epoch, in a new order each epoch', () => {
    const set = indexSet(50, SMALL);
    const rng = createRng(7);
    const identity = Array.from({ length: 50 }, (_, i) => i);
    const orders = [0, 1, 2].map(() => {
      const batches = epoch(set, true, rng, 8);
      expect(batches.map((b) => b.n)).toEqual([8, 8, 8, 8, 8, 8, 2]);
      // Labels travel with their images.
      for (const b of batches) for (let i = 0; i < b.n; i++) expect(b.y[i]).toBe(Math.round(b.x[i * 4] * 255) % 10);
      return order(batches, 4);
    });
    for (const o of orders) {
      expect([...o].sort((a, b) => a - b)).toEqual(identity);
      expect(o).not.toEqual(identity);
    }
    expect(orders[1]).not.toEqual(orders[0]);
    expect(orders[2]).not.toEqual(orders[1]);
    // Same seed, same sequence of epochs.
    const again = createRng(7);
    expect(order(epoch(set, true, again, 8), 4)).toEqual(orders[0]);
  });

  it('writes ToTensor + Normalize values', () => {
    const set = indexSet(3, { height: 1, width: 1, channels: 3 });
    set.images.set([0, 128, 255], 0);
    const [batch] = iterateBatches(set, { height: 1, width: 1, channels: 3 }, {
      batchSize: 3,
      shuffle: false,
      rng: createRng(0),
      transforms: { transforms: { normalize: { mean: [0.5, 0, 0.25], std: [0.5, 1, 0.5] } } },
      train: false,
    });
    expect(batch.x[0]).toBe(-1);
    expect(batch.x[1]).toBeCloseTo(128 / 255, 6);
    expect(batch.x[2]).toBeCloseTo((1 - 0.25) / 0.5, 6);
  });

  const SHAPE: ImageShape = { height: 5, width: 4, channels: 3 };
  const settings = {
    transforms: { randomCrop: { padding: 2 }, horizontalFlip: true, normalize: { mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] } },
    permutePixels: 11,
  };

  it('fuses crop, flip, normalize and permutation exactly as the separate transforms compose', () => {
    const set = randomSet(12, SHAPE);
    const size = 5 * 4 * 3;
    const batches = [...iterateBatches(set, SHAPE, { batchSize: 5, shuffle: false, rng: createRng(3), transforms: settings, train: true })];
    // Replay the same draws (top, left, flip per sample) through the pure transforms.
    const rng = createRng(3);
    const perm = pixelPermutation(11, SHAPE);
    const flips: boolean[] = [];
    const expected = Array.from({ length: 12 }, (_, i) => {
      const image = set.images.subarray(i * size, (i + 1) * size);
      const top = Math.floor(rng() * 5);
      const left = Math.floor(rng() * 5);
      const flip = rng() < 0.5;
      flips.push(flip);
      let out = cropWithPadding(image, SHAPE, 2, { top, left });
      if (flip) out = horizontalFlip(out, SHAPE);
      return Array.from(normalize(applyPixelPermutation(out, SHAPE, perm), SHAPE, settings.transforms.normalize));
    });
    expect(flips).toContain(true);
    expect(flips).toContain(false);
    const actual = batches.flatMap((b) => Array.from({ length: b.n }, (_, i) => Array.from(b.x.subarray(i * size, (i + 1) * size))));
    expect(actual).toEqual(expected);
  });

  it('augments only in training, but permutes and normalizes train and test alike', () => {
    const set = randomSet(4, SHAPE);
    const size = 5 * 4 * 3;
    const run = (train: boolean, transforms: typeof settings | { permutePixels: number; transforms: { normalize: typeof settings.transforms.normalize } }) =>
      [...iterateBatches(set, SHAPE, { batchSize: 4, shuffle: false, rng: createRng(5), transforms, train })][0].x;
    const noAugment = { permutePixels: 11, transforms: { normalize: settings.transforms.normalize } };
    const test = run(false, settings);
    expect(Array.from(test)).toEqual(Array.from(run(true, noAugment)));
    expect(Array.from(run(true, settings))).not.toEqual(Array.from(test));
    // Test mode = permutation + normalize of the untouched image.
    const perm = pixelPermutation(11, SHAPE);
    const first = normalize(applyPixelPermutation(set.images.subarray(0, size), SHAPE, perm), SHAPE, settings.transforms.normalize);
    expect(Array.from(test.subarray(0, size))).toEqual(Array.from(first));
  });

  it('writes each batch into the buffers `into` gives (shared memory for the threads), with the same values', () => {
    const set = randomSet(7, SMALL);
    const fresh = [...iterateBatches(set, SMALL, { batchSize: 3, shuffle: true, rng: createRng(4), transforms: plain, train: true })];
    const shared = { x: new Float32Array(new SharedArrayBuffer(3 * 4 * 4)), y: new Int32Array(new SharedArrayBuffer(3 * 4)) };
    const sizes: number[] = [];
    for (const batch of iterateBatches(set, SMALL, { batchSize: 3, shuffle: true, rng: createRng(4), transforms: plain, train: true, into: (n) => (sizes.push(n), shared) })) {
      // Views of the given memory, not copies: a thread reading the buffer sees this batch.
      expect(batch.x.buffer).toBe(shared.x.buffer);
      expect(batch.y.buffer).toBe(shared.y.buffer);
      const expected = fresh[sizes.length - 1];
      expect(Array.from(batch.x)).toEqual(Array.from(expected.x));
      expect(Array.from(batch.y)).toEqual(Array.from(expected.y));
    }
    expect(sizes).toEqual([3, 3, 1]);
  });

  it('accepts a compiled plan and leaves the source bytes untouched', () => {
    const set = randomSet(20, SHAPE);
    const before = createHash('md5').update(set.images).digest('hex');
    const plan = compileTransforms(settings, SHAPE);
    const rng = createRng(9);
    for (let e = 0; e < 2; e++) for (const b of iterateBatches(set, SHAPE, { batchSize: 6, shuffle: true, rng, transforms: plan, train: true })) expect(b.n).toBeGreaterThan(0);
    expect(createHash('md5').update(set.images).digest('hex')).toBe(before);
  });

  it('pads with byte 0, normalized, not with 0.0', () => {
    const shape: ImageShape = { height: 1, width: 1, channels: 1 };
    const set: ImageSet = { images: Uint8Array.of(200), labels: Uint8Array.of(0), count: 1 };
    const rng = () => 0; // top = left = 0: the output window sees only padding
    const [batch] = iterateBatches(set, shape, {
      batchSize: 1,
      shuffle: false,
      rng,
      transforms: { transforms: { randomCrop: { padding: 1 }, normalize: { mean: [0.5], std: [0.25] } } },
      train: true,
    });
    expect(batch.x[0]).toBe(-2);
  });

  it('rejects a set smaller than its count claims', () => {
    const set: ImageSet = { images: new Uint8Array(7), labels: new Uint8Array(2), count: 2 };
    expect(() => [...iterateBatches(set, SMALL, { batchSize: 1, shuffle: false, rng: createRng(0), transforms: plain, train: false })]).toThrow(RangeError);
  });

  it('draws the shuffle with permutation() from the rng', () => {
    const set = indexSet(9, SMALL);
    const expected = Array.from(permutation(9, createRng(4)));
    expect(order(epoch(set, true, createRng(4), 4), 4)).toEqual(expected);
  });
});

describe('iterateBatches resumed mid-epoch (checkpoints)', () => {
  it('given the saved order, start batch and generator state, yields exactly the rest of the epoch', () => {
    const shape: ImageShape = { height: 6, width: 6, channels: 3 };
    const set = randomSet(20, shape, 3);
    const transforms = compileTransforms({ transforms: { randomCrop: { padding: 2 }, horizontalFlip: true }, permutePixels: 9 }, shape);
    const options = { batchSize: 4, shuffle: true, transforms, train: true };
    const full = [...iterateBatches(set, shape, { ...options, rng: createRng(5) })];

    // The run that stops: draw the order itself, train 2 batches, save order and generator state.
    const rng = createRng(5);
    const saved = permutation(set.count, rng);
    const first = iterateBatches(set, shape, { ...options, rng, order: saved });
    first.next();
    first.next();
    const state = rng.state();

    const rest = [...iterateBatches(set, shape, { ...options, rng: restoreRng(state), order: saved, startBatch: 2 })];
    expect(rest).toEqual(full.slice(2));
  });

  it('refuses a saved order of the wrong length', () => {
    const set = indexSet(10, SMALL);
    expect(() => [...iterateBatches(set, SMALL, { batchSize: 3, shuffle: true, rng: createRng(0), transforms: plain, train: true, order: new Int32Array(9) })]).toThrow(RangeError);
  });
});
