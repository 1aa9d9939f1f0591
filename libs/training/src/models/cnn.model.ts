import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '@trainyard/contracts';
import { conv2d, dense, initSeeds } from './pytorch-init';
import type { ModelBuilder } from './model.types';

type CnnSpec = Extract<ModelSpec, { type: 'cnn' }>;

/**
 * Course 4.1 CNN(n_feature): Conv(1→n,5) ReLU MaxPool2, Conv(n→n,5) ReLU MaxPool2, then a head.
 * 'fc' head: flatten n·4·4 → Linear 50 → ReLU → Linear 10 (6,422 parameters at n=6).
 * 'conv1x1' head: the same 50 and 10 units as 1×1 convolutions at every position, then global
 * average pooling; a 1×1 conv is an FC layer shared across positions, so it needs far fewer weights
 * and loses where-in-the-image information (course question 4).
 */
export const buildCnn: ModelBuilder<CnnSpec> = (spec, input, seed) => {
  const seeds = initSeeds(seed);
  const n = spec.features;
  const layers: tf.layers.Layer[] = [
    conv2d(n, 5, input.channels, seeds, { inputShape: [input.height, input.width, input.channels], activation: 'relu' }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    conv2d(n, 5, n, seeds, { activation: 'relu' }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
  ];
  if (spec.head === 'fc') {
    const h = Math.floor((Math.floor((input.height - 4) / 2) - 4) / 2);
    const w = Math.floor((Math.floor((input.width - 4) / 2) - 4) / 2);
    layers.push(tf.layers.flatten(), dense(50, n * h * w, seeds, { activation: 'relu' }), dense(input.numClasses, 50, seeds));
  } else {
    layers.push(
      conv2d(50, 1, n, seeds, { activation: 'relu' }),
      conv2d(input.numClasses, 1, 50, seeds),
      tf.layers.globalAveragePooling2d({}),
    );
  }
  return tf.sequential({ name: `cnn-${spec.head}`, layers });
};
