import { z } from 'zod';
import { activationValuesPerSample } from './model-layers';

// The one schema for an experiment spec, shared by API, worker and CLI.
// Every number is bounded so that a request can never ask for unbounded work or memory;
// the class's own limits (MAX_EPOCHS_PER_JOB and the others in libs/config) narrow these further at the API.

export const DATASET_NAMES = ['mnist-bundled', 'mnist', 'cifar10', 'synthetic'] as const;
export const DatasetNameSchema = z.enum(DATASET_NAMES);
export type DatasetName = z.infer<typeof DatasetNameSchema>;

export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

const MNIST_SHAPE: ImageShape = { height: 28, width: 28, channels: 1 };
const CIFAR_SHAPE: ImageShape = { height: 32, width: 32, channels: 3 };

// Keyed by model type, so that a model added without its input shape is a compile error.
const MODEL_INPUT_SHAPE: Record<ModelSpec['type'], ImageShape> = { fc2layer: MNIST_SHAPE, cnn: MNIST_SHAPE, 'cifar-cnn': CIFAR_SHAPE, vgg16: CIFAR_SHAPE };

/** The input each model was designed for: MNIST's 28×28×1 (fc2layer, cnn), CIFAR-10's 32×32×3 (cifar-cnn, vgg16). */
export function modelInputShape(model: ModelSpec['type']): ImageShape {
  return MODEL_INPUT_SHAPE[model];
}

/** The image shape a spec trains on: fixed per data set; `synthetic` takes the model's own. */
export function imageShape(dataset: DatasetName, model: ModelSpec['type']): ImageShape {
  if (dataset === 'cifar10') return CIFAR_SHAPE;
  if (dataset === 'synthetic') return modelInputShape(model);
  return MNIST_SHAPE;
}

// The smallest input each model's conv/pool stack does not shrink to nothing (VGG pools 5 times).
const MIN_INPUT_SIZE: Record<ModelSpec['type'], number> = { fc2layer: 1, cnn: 16, 'cifar-cnn': 16, vgg16: 32 };

export const HEAD_KINDS = ['fc', 'conv1x1'] as const;

export const ModelSpecSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('fc2layer'),
    hidden: z.number().int().min(1).max(4096).default(8),
  }),
  z.strictObject({
    type: z.literal('cnn'),
    features: z.number().int().min(1).max(256).default(6),
    // 'conv1x1' swaps the FC head for 1×1 convolutions + global average pooling (course question 4).
    head: z.enum(HEAD_KINDS).default('fc'),
  }),
  z.strictObject({
    type: z.literal('cifar-cnn'),
  }),
  z.strictObject({
    type: z.literal('vgg16'),
    // On VGG the feature map is 512×1×1, so a 1×1 conv head is the same function as Linear(512, 10).
    head: z.enum(HEAD_KINDS).default('fc'),
  }),
]);
export type ModelSpec = z.infer<typeof ModelSpecSchema>;
export type ModelType = ModelSpec['type'];

// Each optimizer type has its own learning rate: the merge of a preset's optimizer with one of
// another type keeps none of the preset's fields, so a missing lr is said in those words.
const learningRate = z
  .number({ error: (issue) => (issue.input === undefined ? 'missing: a change of optimizer needs its own learning rate (lr; --lr in the CLI)' : undefined) })
  .gt(0);

export const OptimizerSpecSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('sgd'),
    lr: learningRate.max(10),
    momentum: z.number().min(0).max(0.999).default(0),
  }),
  z.strictObject({
    type: z.literal('adam'),
    lr: learningRate.max(1),
  }),
]);
export type OptimizerSpec = z.infer<typeof OptimizerSpecSchema>;

/**
 * The settings each variant of a spec's model and optimizer has, by type, read from the schemas
 * above (`VARIANT_FIELDS.model.cnn` = type, features, head). A field another variant has is
 * reported as "not a setting of this one" rather than as an unknown field (see describeIssues).
 */
export const VARIANT_FIELDS: Readonly<Record<'model' | 'optimizer', Readonly<Record<string, readonly string[]>>>> = {
  model: Object.fromEntries(ModelSpecSchema.options.map((o) => [o.shape.type.value, Object.keys(o.shape)])),
  optimizer: Object.fromEntries(OptimizerSpecSchema.options.map((o) => [o.shape.type.value, Object.keys(o.shape)])),
};

const channelValues = z.array(z.number().min(-1000).max(1000)).min(1).max(3);

/**
 * The smallest normalize std accepted. Pixels are scaled to [0, 1] before (x − mean) / std, so a
 * std of 1e-3 already multiplies the data range by 1,000 (the course uses 0.3081 for MNIST and
 * ~0.2 for CIFAR-10). Far smaller values (1e-30 was seen) overflow float32 in the first layers and
 * the loss turns NaN; the trainer fails such runs anyway, but a clear 400 is better.
 */
export const MIN_NORMALIZE_STD = 1e-3;

export const TransformsSpecSchema = z
  .strictObject({
    // Applied in torchvision's order: random crop, horizontal flip (train only), then normalize.
    randomCrop: z.strictObject({ padding: z.number().int().min(0).max(16) }).optional(),
    horizontalFlip: z.boolean().default(false),
    normalize: z
      .strictObject({
        mean: channelValues,
        std: z
          .array(z.number().min(MIN_NORMALIZE_STD, { message: `std must be at least ${MIN_NORMALIZE_STD}: a smaller one scales the pixels to overflow` }).max(1000))
          .min(1)
          .max(3),
      })
      .refine((n) => n.mean.length === n.std.length, {
        message: 'mean and std must have one value per channel each',
        path: ['std'],
      })
      .optional(),
  })
  .default({ horizontalFlip: false });
export type TransformsSpec = z.infer<typeof TransformsSpecSchema>;

export const LIMITS = {
  maxEpochs: 200,
  maxBatchSize: 4096,
  maxTestBatchSize: 10000,
  maxSamples: 1_000_000,
  maxSeed: 2 ** 31 - 1,
} as const;

/**
 * Bounds on batch × forward-activation bytes per sample (activationValuesPerSample × 4), so that
 * no spec asks a worker for more memory than it has. The wasm backend's heap is at most 4 GiB and
 * a step past it fails with "memory access out of bounds" (and may leave the backend broken).
 *
 * Measured on the wasm backend (TF.js 4.22 + Trainyard's training kernels, 2-core x86-64, 23 GiB
 * RAM; one training step, or one evaluation forward, at batch B in a fresh process; heap size
 * read afterwards: libs/training/bench/activation-memory.bench.ts):
 * - training keeps every activation for the backward pass, and the heap grew by about 7–9× the
 *   forward activation bytes: vgg16 (1.96 MB/sample) trained at batch 256 (heap 3.4 GiB) and failed
 *   at 384; cnn with 256 features (0.84 MB/sample) trained at 512 (2.8 GiB) and failed at 1,024;
 *   cifar-cnn and the course cnn trained at 4,096 (1.1 GiB, 0.6 GiB). Failures began at about
 *   750 MB of forward activations per batch; the bound, 256 MiB, is about a third of that and
 *   keeps the course's vgg16 batch of 128 (250 MB) valid (vgg16: at most 137).
 * - evaluation frees each layer's input as it goes, so the heap grew by at most about 0.9× the
 *   activation bytes: vgg16 evaluated at 4,096 (2.1 GiB) and failed at 10,000; cnn-256 at 5,000
 *   (4.2 GB of activations, heap 3.5 GiB) and failed at 10,000. The bound, 1 GiB, is a quarter
 *   of the largest that passed (vgg16: at most 548; the course cnn and cifar-cnn: any batch).
 */
export const ACTIVATION_MEMORY_LIMITS = {
  trainBytes: 256 * 2 ** 20,
  evalBytes: 2 ** 30,
} as const;

/** The largest batch of `model` on `shape` images that fits the given activation bound. */
export function maxBatchForMemory(model: ModelSpec, shape: ImageShape, limitBytes: number): number {
  return Math.max(0, Math.floor(limitBytes / (4 * activationValuesPerSample(model, shape))));
}

const seedSchema = z.number().int().min(0).max(LIMITS.maxSeed);

export const ExperimentSpecSchema = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  dataset: DatasetNameSchema,
  model: ModelSpecSchema,
  optimizer: OptimizerSpecSchema,
  epochs: z.number().int().min(1).max(LIMITS.maxEpochs),
  batchSize: z.number().int().min(1).max(LIMITS.maxBatchSize),
  testBatchSize: z.number().int().min(1).max(LIMITS.maxTestBatchSize),
  shuffle: z.boolean().default(true),
  transforms: TransformsSpecSchema,
  // false, or the seed of one fixed pixel permutation applied to every train and test image.
  permutePixels: z.union([z.literal(false), seedSchema]).default(false),
  seed: seedSchema.default(0),
  // Caps on the number of train / test samples used (the first N of the fixed split).
  limit: z.number().int().min(1).max(LIMITS.maxSamples).optional(),
  testLimit: z.number().int().min(1).max(LIMITS.maxSamples).optional(),
}).superRefine((spec, ctx) => {
  // Spec/data mismatches are caught here, at the edge, rather than failing later on a worker.
  const shape = imageShape(spec.dataset, spec.model.type);
  const norm = spec.transforms.normalize;
  if (norm) {
    for (const key of ['mean', 'std'] as const) {
      if (norm[key].length !== 1 && norm[key].length !== shape.channels) {
        ctx.addIssue({
          code: 'custom',
          path: ['transforms', 'normalize', key],
          message: `${spec.dataset} images have ${shape.channels} channel(s): give 1 or ${shape.channels} values`,
        });
      }
    }
  }
  const min = MIN_INPUT_SIZE[spec.model.type];
  if (shape.height < min || shape.width < min) {
    ctx.addIssue({
      code: 'custom',
      path: ['model', 'type'],
      message: `${spec.model.type} needs images of at least ${min}×${min}; ${spec.dataset} has ${shape.height}×${shape.width}`,
    });
    return; // the layer shapes below would be meaningless
  }
  // Activation memory grows with the batch: bound it per model so no job can exhaust a worker.
  for (const [field, limit, phase] of [
    ['batchSize', ACTIVATION_MEMORY_LIMITS.trainBytes, 'training'],
    ['testBatchSize', ACTIVATION_MEMORY_LIMITS.evalBytes, 'evaluation'],
  ] as const) {
    const max = maxBatchForMemory(spec.model, shape, limit);
    if (spec[field] > max) {
      ctx.addIssue({
        code: 'custom',
        path: [field],
        message: `${field} ${spec[field]} needs more memory than a worker allows for ${phase} of ${spec.model.type} on ${shape.height}×${shape.width}×${shape.channels} images: at most ${max} (${limit / 2 ** 20} MiB of activations)`,
      });
    }
  }
});
export type ExperimentSpec = z.infer<typeof ExperimentSpecSchema>;
export type ExperimentSpecInput = z.input<typeof ExperimentSpecSchema>;
