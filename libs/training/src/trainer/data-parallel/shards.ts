/** One replica's part of a batch: samples [start, start + count) of it. */
export interface Shard {
  start: number;
  count: number;
}

/**
 * Splits a batch of `n` samples into `replicas` contiguous shards whose sizes differ by at most 1
 * (the first n mod replicas shards take one more), in replica order. A shard may be empty when
 * n < replicas (a short last batch); its replica then contributes nothing to the step.
 */
export function shardBatch(n: number, replicas: number): Shard[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`batch size must be a whole number, got ${n}`);
  if (!Number.isInteger(replicas) || replicas < 1) throw new RangeError(`replicas must be a positive integer, got ${replicas}`);
  const base = Math.floor(n / replicas);
  const extra = n % replicas;
  const shards: Shard[] = [];
  for (let i = 0, start = 0; i < replicas; i++) {
    const count = base + (i < extra ? 1 : 0);
    shards.push({ start, count });
    start += count;
  }
  return shards;
}

/**
 * Least training work, in FLOPs (contracts' forwardFlopsPerSample × TRAINING_FLOPS_PER_FORWARD ×
 * shard size), that a replica's shard needs for data-parallel threads to pay off. Each replica
 * pays a fixed cost per step whatever its shard (TF.js's tape and kernel dispatch, ~1 ms; the
 * threads' messages and the averaged update, ~1 ms), so small work per shard runs slower on more
 * threads. Measured with `npm run bench` on a 2-core machine: fc2layer's 32-image shards (1.2
 * MFLOP) trained 2× slower on 2 threads than on 1; the course CNN's (29 MFLOP) 1.4× faster.
 */
export const MIN_SHARD_TRAINING_FLOPS = 10e6;

/**
 * How many replicas a run trains on: the most, up to `requested`, whose shards of a full batch
 * of `batchSize` each carry at least MIN_SHARD_TRAINING_FLOPS of training work (1 when even two
 * would not). `trainingFlopsPerSample`: forward + backward FLOPs of one sample.
 */
export function replicasFor(requested: number, batchSize: number, trainingFlopsPerSample: number): number {
  let replicas = Math.max(1, Math.min(requested, batchSize));
  while (replicas > 1 && Math.floor(batchSize / replicas) * trainingFlopsPerSample < MIN_SHARD_TRAINING_FLOPS) replicas--;
  return replicas;
}
