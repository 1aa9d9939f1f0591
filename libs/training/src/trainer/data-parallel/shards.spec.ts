import { forwardFlopsPerSample, modelInputShape, resolveExperimentRequest, TRAINING_FLOPS_PER_FORWARD } from '@trainyard/contracts';
import { MIN_SHARD_TRAINING_FLOPS, replicasFor, shardBatch } from './shards';

describe('shardBatch', () => {
  it.each([
    [33, 2, [17, 16]],
    [10, 3, [4, 3, 3]],
    [64, 4, [16, 16, 16, 16]],
    [1, 2, [1, 0]],
    [0, 2, [0, 0]],
  ])('splits %i samples over %i replicas into contiguous shards of %j', (n, replicas, counts) => {
    const shards = shardBatch(n, replicas);
    expect(shards.map((s) => s.count)).toEqual(counts);
    // Contiguous and covering: each starts where the previous ended, the last ends at n.
    shards.forEach((s, i) => expect(s.start).toBe(i === 0 ? 0 : shards[i - 1].start + shards[i - 1].count));
    expect(shards.at(-1)!.start + shards.at(-1)!.count).toBe(n);
  });

  it('refuses a non-positive replica count', () => {
    expect(() => shardBatch(4, 0)).toThrow(RangeError);
  });
});

describe('replicasFor', () => {
  // Training FLOPs per sample of a course preset, from the same analytic count the API estimates with.
  const perSample = (preset: string) => {
    const { model } = resolveExperimentRequest({ preset, epochs: 1 });
    return TRAINING_FLOPS_PER_FORWARD * forwardFlopsPerSample(model, modelInputShape(model.type));
  };

  it.each([
    // fc2layer's 32-image shards are ~1.2 MFLOP: 2 threads trained it 2× slower than 1 (npm run bench).
    ['mnist-fc', 64, 2, 1],
    ['mnist-cnn', 64, 2, 2],
    // The CNN at batch 16: shards of 8 images, ~7 MFLOP: too small to share.
    ['mnist-cnn', 16, 2, 1],
    ['mnist-cnn', 64, 8, 5],
    ['cifar10-cnn', 64, 2, 2],
    ['cifar10-vgg16', 128, 16, 16],
  ])('%s at batch %i, %i threads asked: %i', (preset, batch, requested, expected) => {
    expect(replicasFor(requested, batch, perSample(preset))).toBe(expected);
  });

  it('gives every replica of a full batch at least the minimum work, and never more replicas than images or than asked', () => {
    for (const perImage of [1e3, 1e5, 3e5, 1e6, 1e9]) {
      for (const batch of [1, 7, 64, 128]) {
        for (const requested of [1, 2, 3, 16]) {
          const r = replicasFor(requested, batch, perImage);
          expect(r).toBeGreaterThanOrEqual(1);
          expect(r).toBeLessThanOrEqual(Math.min(requested, batch));
          if (r > 1) expect(Math.floor(batch / r) * perImage).toBeGreaterThanOrEqual(MIN_SHARD_TRAINING_FLOPS);
          // The most that qualify: one more would not.
          if (r < Math.min(requested, batch)) expect(Math.floor(batch / (r + 1)) * perImage).toBeLessThan(MIN_SHARD_TRAINING_FLOPS);
        }
      }
    }
  });
});
