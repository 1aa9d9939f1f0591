import type { DatasetName, ExperimentSpec } from './experiment-spec.schema';

/**
 * Training images in each data set's fixed split (libs/training/src/data), known without loading
 * it: the API bounds a job's size and estimates its duration from these. `synthetic` generates
 * `limit` images (1,000 by default, at most 60,000).
 */
export const TRAIN_SAMPLES: Record<DatasetName, number> = {
  'mnist-bundled': 7996,
  mnist: 60_000,
  cifar10: 50_000,
  synthetic: 1000,
};
const SYNTHETIC_MAX_TRAIN = 60_000;
const SYNTHETIC_MAX_TEST = 10_000; // libs/training's SYNTHETIC_MAX.test

/** Test images in each data set's fixed split (`synthetic`: its default; it generates `testLimit`). */
export const TEST_SAMPLES: Record<DatasetName, number> = {
  'mnist-bundled': 2004,
  mnist: 10_000,
  cifar10: 10_000,
  synthetic: 200,
};

/** How many training images the spec trains on per epoch. */
export function trainSampleCount(spec: Pick<ExperimentSpec, 'dataset' | 'limit'>): number {
  if (spec.dataset === 'synthetic') return Math.min(spec.limit ?? TRAIN_SAMPLES.synthetic, SYNTHETIC_MAX_TRAIN);
  return Math.min(spec.limit ?? TRAIN_SAMPLES[spec.dataset], TRAIN_SAMPLES[spec.dataset]);
}

/** How many test images the spec evaluates on after each epoch. */
export function testSampleCount(spec: Pick<ExperimentSpec, 'dataset' | 'testLimit'>): number {
  if (spec.dataset === 'synthetic') return Math.min(spec.testLimit ?? TEST_SAMPLES.synthetic, SYNTHETIC_MAX_TEST);
  return Math.min(spec.testLimit ?? TEST_SAMPLES[spec.dataset], TEST_SAMPLES[spec.dataset]);
}

/** epochs × training images: the size of a job, which its training time is roughly proportional to. */
export const sampleEpochs = (spec: Pick<ExperimentSpec, 'dataset' | 'limit' | 'epochs'>) => spec.epochs * trainSampleCount(spec);

/** Runs of one kind train at about the same speed per image: the key of duration history. */
export const runKind = (spec: Pick<ExperimentSpec, 'dataset' | 'model'>) => `${spec.model.type}/${spec.dataset}`;
