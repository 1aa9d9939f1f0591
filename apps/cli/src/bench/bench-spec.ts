import { ExperimentSpecSchema, type ExperimentSpec } from '@trainyard/contracts';
import { BENCH_BATCH, BENCH_MODEL_SPECS, type BenchModel } from './bench-models';

/**
 * The experiment the bench trains through trainExperiment (in this process, in a bare child and
 * on the queue): `model` at its course batch, the step bench's SGD (lr 0.01, momentum 0.5), on
 * `limit` synthetic samples of the model's input shape, shuffled, no transforms. The test pass
 * is one batch: only the training throughput (`samplesPerSec`, training time only) is compared.
 */
export function benchSpec(model: BenchModel, limit: number, epochs = 1): ExperimentSpec {
  const batch = BENCH_BATCH[model];
  return ExperimentSpecSchema.parse({
    name: `bench ${model}`,
    dataset: 'synthetic',
    model: BENCH_MODEL_SPECS[model],
    optimizer: { type: 'sgd', lr: 0.01, momentum: 0.5 },
    epochs,
    batchSize: batch,
    testBatchSize: batch,
    shuffle: true,
    limit,
    testLimit: batch,
  });
}

/**
 * The thread count a trainer reports having used (a whole `threads` ≥ 1 on its `started` event
 * or its result, the first found), or undefined: a trainer that does not report it may have
 * ignored the option, so the bench does not print the count it asked for as the one used.
 */
export function reportedThreads(...reports: unknown[]): number | undefined {
  for (const r of reports) {
    const threads = r && typeof r === 'object' ? (r as { threads?: unknown }).threads : undefined;
    if (typeof threads === 'number' && Number.isInteger(threads) && threads >= 1) return threads;
  }
  return undefined;
}
