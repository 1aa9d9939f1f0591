import { z } from 'zod';

// The one schema for an experiment spec, shared by API, worker and CLI.
// Every number is bounded so that a request can never ask for unbounded work or memory;
// the per-class policy (issue: class limits) narrows these further at the API.

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

/** The image shape a spec trains on: fixed per data set; `synthetic` takes the model's own. */
export function imageShape(dataset: DatasetName, model: ModelSpec['type']): ImageShape {
  if (dataset === 'cifar10') return CIFAR_SHAPE;
  if (dataset === 'synthetic') return model === 'cifar-cnn' || model === 'vgg16' ? CIFAR_SHAPE : MNIST_SHAPE;
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

export const OptimizerSpecSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('sgd'),
    lr: z.number().gt(0).max(10),
    momentum: z.number().min(0).max(0.999).default(0),
  }),
  z.strictObject({
    type: z.literal('adam'),
    lr: z.number().gt(0).max(1),
  }),
]);
export type OptimizerSpec = z.infer<typeof OptimizerSpecSchema>;

const channelValues = z.array(z.number().min(-1000).max(1000)).min(1).max(3);

export const TransformsSpecSchema = z
  .strictObject({
    // Applied in torchvision's order: random crop, horizontal flip (train only), then normalize.
    randomCrop: z.strictObject({ padding: z.number().int().min(0).max(16) }).optional(),
    horizontalFlip: z.boolean().default(false),
    normalize: z
      .strictObject({
        mean: channelValues,
        std: z.array(z.number().gt(0).max(1000)).min(1).max(3),
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
  }
});
export type ExperimentSpec = z.infer<typeof ExperimentSpecSchema>;
export type ExperimentSpecInput = z.input<typeof ExperimentSpecSchema>;
