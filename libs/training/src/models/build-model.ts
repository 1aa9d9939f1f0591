import type * as tf from '@tensorflow/tfjs';
import { modelInputShape, type ModelSpec, type ModelType } from '@trainyard/contracts';
import { buildCifarCnn } from './cifar-cnn.model';
import { buildCnn } from './cnn.model';
import { buildFc2Layer } from './fc2layer.model';
import type { InputShape, ModelBuilder } from './model.types';
import { buildVgg16 } from './vgg16.model';

const BUILDERS: { [T in ModelType]: ModelBuilder<Extract<ModelSpec, { type: T }>> } = {
  fc2layer: buildFc2Layer,
  cnn: buildCnn,
  'cifar-cnn': buildCifarCnn,
  vgg16: buildVgg16,
};

/** The input each model was designed for (contracts' modelInputShape), with its 10 classes. */
export function nativeInputShape(type: ModelType): InputShape {
  return { ...modelInputShape(type), numClasses: 10 };
}

export function buildModel(spec: ModelSpec, input: InputShape = nativeInputShape(spec.type), seed = 0): tf.Sequential {
  const builder = BUILDERS[spec.type] as ModelBuilder<ModelSpec>;
  return builder(spec, input, seed);
}

/** Trainable parameters only, as PyTorch counts `model.parameters()` (BatchNorm running stats excluded). */
export function countParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((sum, w) => sum + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

/** The course models at their course sizes, for `trainyard models`. */
export const COURSE_MODELS: { name: string; spec: ModelSpec }[] = [
  { name: 'fc2layer', spec: { type: 'fc2layer', hidden: 8 } },
  { name: 'cnn', spec: { type: 'cnn', features: 6, head: 'fc' } },
  { name: 'cnn-conv1x1', spec: { type: 'cnn', features: 6, head: 'conv1x1' } },
  { name: 'cifar-cnn', spec: { type: 'cifar-cnn' } },
  { name: 'vgg16', spec: { type: 'vgg16', head: 'fc' } },
  { name: 'vgg16-conv1x1', spec: { type: 'vgg16', head: 'conv1x1' } },
];
