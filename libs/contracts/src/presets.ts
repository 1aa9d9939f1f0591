import type { ExperimentSpecInput } from './experiment-spec.schema';

// The course's exact settings (the week-2 lab's reference: architectures, hyper-parameters, published results). The bundled-digits default keeps the
// presets runnable offline; choose `mnist` / `cifar10` to train on the full sets.
const MNIST_NORMALIZE = { mean: [0.1307], std: [0.3081] };
const mnistCommon = {
  dataset: 'mnist-bundled',
  optimizer: { type: 'sgd', lr: 0.01, momentum: 0.5 },
  epochs: 1,
  batchSize: 64,
  testBatchSize: 1000,
  shuffle: true,
  transforms: { normalize: MNIST_NORMALIZE },
} as const satisfies Partial<ExperimentSpecInput>;

// One fixed permutation shared by both permuted runs, as the course does with one `perm`.
export const COURSE_PERMUTATION_SEED = 42;

export const PRESETS = {
  'mnist-fc': { ...mnistCommon, name: 'FC2Layer', model: { type: 'fc2layer', hidden: 8 } },
  'mnist-cnn': { ...mnistCommon, name: 'CNN', model: { type: 'cnn', features: 6, head: 'fc' } },
  'mnist-fc-permuted': {
    ...mnistCommon,
    name: 'FC2Layer, permuted pixels',
    model: { type: 'fc2layer', hidden: 8 },
    permutePixels: COURSE_PERMUTATION_SEED,
  },
  'mnist-cnn-permuted': {
    ...mnistCommon,
    name: 'CNN, permuted pixels',
    model: { type: 'cnn', features: 6, head: 'fc' },
    permutePixels: COURSE_PERMUTATION_SEED,
  },
  'cifar10-cnn': {
    name: 'CIFAR-10 CNN',
    dataset: 'cifar10',
    model: { type: 'cifar-cnn' },
    optimizer: { type: 'adam', lr: 0.001 },
    epochs: 10,
    batchSize: 64,
    testBatchSize: 8,
    shuffle: true,
    transforms: { normalize: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } },
  },
  'cifar10-vgg16': {
    name: 'CIFAR-10 VGG16 (BatchNorm)',
    dataset: 'cifar10',
    model: { type: 'vgg16', head: 'fc' },
    optimizer: { type: 'adam', lr: 0.001 },
    epochs: 10,
    batchSize: 128,
    testBatchSize: 128,
    shuffle: true,
    transforms: {
      randomCrop: { padding: 4 },
      horizontalFlip: true,
      normalize: { mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] },
    },
  },
} as const satisfies Record<string, ExperimentSpecInput>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

// Published results the course reports for each preset (the week-2 lab's reference).
export const PUBLISHED: Record<PresetName, { params: number; testAccuracy: number; note: string }> = {
  'mnist-fc': { params: 6442, testAccuracy: 0.8735, note: '8735/10000 after 1 epoch' },
  'mnist-cnn': { params: 6422, testAccuracy: 0.9615, note: '9615/10000 after 1 epoch' },
  'mnist-fc-permuted': { params: 6442, testAccuracy: 0.8348, note: '8348/10000 after 1 epoch' },
  'mnist-cnn-permuted': { params: 6422, testAccuracy: 0.8003, note: '8003/10000 after 1 epoch' },
  'cifar10-cnn': { params: 62006, testAccuracy: 0.64, note: '64% after 10 epochs' },
  'cifar10-vgg16': { params: 9231114, testAccuracy: 0.8492, note: '84.92% after 10 epochs' },
};

export const SUITES = {
  'week2-mnist': ['mnist-fc', 'mnist-cnn', 'mnist-fc-permuted', 'mnist-cnn-permuted'],
} as const satisfies Record<string, readonly PresetName[]>;
export type SuiteName = keyof typeof SUITES;
export const SUITE_NAMES = Object.keys(SUITES) as SuiteName[];

