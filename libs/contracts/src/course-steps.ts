import { trainSampleCount } from './dataset-sizes';
import { LIMITS, type DatasetName, type ExperimentSpec } from './experiment-spec.schema';
import { PRESETS, type PresetName } from './presets';

// The course's training budget, and the one rule that keeps a preset's run comparable on a
// smaller data set: it takes as many SGD steps as the course's run does (the week-2 lab's reference: architectures, hyper-parameters, published results).

/** The full data set each preset's published number was measured on. */
export const COURSE_DATASET: Record<PresetName, 'mnist' | 'cifar10'> = {
  'mnist-fc': 'mnist',
  'mnist-cnn': 'mnist',
  'mnist-fc-permuted': 'mnist',
  'mnist-cnn-permuted': 'mnist',
  'cifar10-cnn': 'cifar10',
  'cifar10-vgg16': 'cifar10',
};

/** Training images of the course's own sets (torchvision's MNIST and CIFAR-10 train splits). */
const COURSE_TRAIN_SAMPLES = { mnist: 60_000, cifar10: 50_000 } as const;

/** Data sets that hold the same images as a preset's course set (the bundled digits are MNIST digits). */
const SAME_KIND: Record<'mnist' | 'cifar10', readonly DatasetName[]> = { mnist: ['mnist', 'mnist-bundled'], cifar10: ['cifar10'] };

/** Whether the spec trains on images of the preset's course data set (false for `synthetic`, for example). */
export const onCourseData = (preset: PresetName, spec: Pick<ExperimentSpec, 'dataset'>) => SAME_KIND[COURSE_DATASET[preset]].includes(spec.dataset);

/**
 * SGD steps in one epoch of the spec: ceil(training images / batch size), as the trainer batches
 * (last batch partial). `trainSamples`: the images the run really loaded (its `started` event or
 * result); without it, the spec's nominal count on the canonical set (trainSampleCount), which a
 * server's smaller copy of the set does not match.
 */
export const stepsPerEpoch = (spec: Pick<ExperimentSpec, 'dataset' | 'limit' | 'batchSize'>, trainSamples = trainSampleCount(spec)) =>
  Math.ceil(trainSamples / spec.batchSize);

/** SGD steps the whole run takes: epochs × steps per epoch (`trainSamples` as for stepsPerEpoch). */
export const trainingSteps = (spec: Pick<ExperimentSpec, 'dataset' | 'limit' | 'batchSize' | 'epochs'>, trainSamples?: number) =>
  spec.epochs * stepsPerEpoch(spec, trainSamples);

/**
 * SGD steps of the course's run of a preset: its epochs × ceil(course training images / its batch
 * size). 938 for the four MNIST presets (1 × ⌈60,000 / 64⌉), 7,820 for cifar10-cnn (10 × ⌈50,000 / 64⌉),
 * 3,910 for cifar10-vgg16 (10 × ⌈50,000 / 128⌉).
 */
export function courseSteps(preset: PresetName): number {
  const p = PRESETS[preset];
  return p.epochs * Math.ceil(COURSE_TRAIN_SAMPLES[COURSE_DATASET[preset]] / p.batchSize);
}

/**
 * The epochs a preset runs when the request does not set `epochs`: the preset's own on the course's
 * full data set; on a smaller set of the same images (the bundled digits, or a `limit`), as many as
 * take at least the course's SGD steps with the spec's batch size, ⌈courseSteps / stepsPerEpoch⌉
 * (8 on the 7,996 bundled digits: 1,000 steps for the course's 938; 30 on 2,000 digits). Never more
 * than the schema's LIMITS.maxEpochs (the run then takes fewer steps, and the course table says so).
 * Generated data (`synthetic`) is not the course's: the preset's epochs stand. `trainSamples`: the
 * images the run really loaded, when known (a server's copy of `mnist` may hold 2,000); without
 * it, the spec's nominal count on the canonical set.
 */
export function courseEpochs(preset: PresetName, spec: Pick<ExperimentSpec, 'dataset' | 'limit' | 'batchSize'>, trainSamples = trainSampleCount(spec)): number {
  const own = PRESETS[preset].epochs;
  if (!onCourseData(preset, spec) || trainSamples >= COURSE_TRAIN_SAMPLES[COURSE_DATASET[preset]]) return own;
  return Math.min(LIMITS.maxEpochs, Math.max(own, Math.ceil(courseSteps(preset) / stepsPerEpoch(spec, trainSamples))));
}
