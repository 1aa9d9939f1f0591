import * as tf from '@tensorflow/tfjs';
import { VGG16_CFG, type ModelSpec } from '@trainyard/contracts';
import { conv2d, dense, initSeeds } from './pytorch-init';
import type { ModelBuilder } from './model.types';

type Vgg16Spec = Extract<ModelSpec, { type: 'vgg16' }>;

/**
 * The course's cfg (VGG-11 shaped despite the name): numbers are 3×3 conv+BN+ReLU, 'M' is MaxPool 2.
 * Defined in contracts, whose spec schema bounds a batch's activation memory from these shapes.
 */
export const VGG_CFG = VGG16_CFG;

/**
 * Course 4.3 with the notebook's two bugs fixed (Linear(512,10), `_make_layers(cfg)`): 9,231,114
 * trainable parameters. BatchNorm uses PyTorch's settings (eps 1e-5, momentum 0.1 = TF.js 0.9).
 * The 'conv1x1' head is Conv 1×1 512→10 on the 1×1 map: the same function and parameter count as
 * the Linear head, which is the course's point about 1×1 convolutions vs FC layers.
 */
export const buildVgg16: ModelBuilder<Vgg16Spec> = (spec, input, seed) => {
  const seeds = initSeeds(seed);
  const layers: tf.layers.Layer[] = [];
  let channels = input.channels;
  for (const item of VGG_CFG) {
    const first = layers.length === 0 ? { inputShape: [input.height, input.width, input.channels] } : {};
    if (item === 'M') {
      layers.push(tf.layers.maxPooling2d({ poolSize: 2, ...first }));
      continue;
    }
    layers.push(
      conv2d(item, 3, channels, seeds, { padding: 'same', ...first }),
      tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5 }),
      tf.layers.activation({ activation: 'relu' }),
    );
    channels = item;
  }
  if (spec.head === 'fc') {
    layers.push(tf.layers.flatten(), dense(input.numClasses, channels, seeds));
  } else {
    layers.push(conv2d(input.numClasses, 1, channels, seeds), tf.layers.flatten());
  }
  return tf.sequential({ name: `vgg16-${spec.head}`, layers });
};
