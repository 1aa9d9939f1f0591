import type { ExperimentSpec } from '@trainyard/contracts';
import { batchCount, iterateBatches, type Batch, type BatchOptions } from '../data/batches';
import type { Dataset } from '../data/dataset.types';
import { createRng, permutation, restoreRng, type RngState, type SeededRng } from '../random';
import { compileTransforms } from '../transforms/transform-plan';
import type { BatchSource } from './batch-source';

/** Where a resumed epoch picks up: its saved sample order and the batches already trained. */
export interface EpochPosition {
  order: Int32Array | null;
  startBatch: number;
}

/** One training epoch: its sample order (null when not shuffled) and its remaining batches. */
export interface TrainEpoch {
  order: Int32Array | null;
  batches: Iterator<Batch>;
}

/**
 * Train batches (shuffled per spec, augmented) and test batches (fixed order, no augmentation).
 * The generator that drives shuffles, crops and flips is exposed (`rngState`, `restoreRng`) so a
 * checkpoint can save its position and a resumed run replays the same data.
 */
export function batchSources(dataset: Dataset, spec: ExperimentSpec) {
  const shape = { height: dataset.height, width: dataset.width, channels: dataset.channels };
  const plan = compileTransforms({ transforms: spec.transforms, permutePixels: spec.permutePixels }, shape);
  // One generator for the whole run, so each epoch gets a fresh shuffle, reproducible from the seed.
  let rng: SeededRng = createRng(`${spec.seed}:batches`);
  // The order is drawn here, before the first batch, so that a checkpoint taken before any batch
  // of the epoch sees the generator already past it, as a resumed epoch (which replays the saved
  // order and draws nothing) will.
  const train = (from?: EpochPosition, into?: BatchOptions['into']): TrainEpoch => {
    const order = from ? from.order : spec.shuffle ? permutation(dataset.train.count, rng) : null;
    const batches = iterateBatches(dataset.train, shape, {
      batchSize: spec.batchSize,
      shuffle: spec.shuffle,
      rng,
      transforms: plan,
      train: true,
      order,
      startBatch: from?.startBatch ?? 0,
      into,
    });
    return { order, batches };
  };
  const test: BatchSource = () =>
    iterateBatches(dataset.test, shape, { batchSize: spec.testBatchSize, shuffle: false, rng, transforms: plan, train: false });
  return {
    train,
    test,
    trainBatches: batchCount(dataset.train.count, spec.batchSize),
    /** The pixel permutation applied to every image (null when permutePixels is off). */
    pixelPermutation: plan.permutation ?? null,
    rngState: (): RngState => rng.state(),
    /** Continue from a saved generator position (call before the next train()). */
    restoreRng: (state: RngState) => {
      rng = restoreRng(state);
    },
  };
}
