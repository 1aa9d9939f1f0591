import type { ExperimentSpec } from '@trainyard/contracts';
import { batchCount, iterateBatches } from '../data/batches';
import type { Dataset } from '../data/dataset.types';
import { createRng } from '../random';
import { compileTransforms } from '../transforms/transform-plan';
import type { BatchSource } from './batch-source';

/** Train batches (shuffled per spec, augmented) and test batches (fixed order, no augmentation). */
export function batchSources(dataset: Dataset, spec: ExperimentSpec) {
  const shape = { height: dataset.height, width: dataset.width, channels: dataset.channels };
  const plan = compileTransforms({ transforms: spec.transforms, permutePixels: spec.permutePixels }, shape);
  // One generator for the whole run, so each epoch gets a fresh shuffle, reproducible from the seed.
  const rng = createRng(`${spec.seed}:batches`);
  const train: BatchSource = () =>
    iterateBatches(dataset.train, shape, { batchSize: spec.batchSize, shuffle: spec.shuffle, rng, transforms: plan, train: true });
  const test: BatchSource = () =>
    iterateBatches(dataset.test, shape, { batchSize: spec.testBatchSize, shuffle: false, rng, transforms: plan, train: false });
  return { train, test, trainBatches: batchCount(dataset.train.count, spec.batchSize) };
}
