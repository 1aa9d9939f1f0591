import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '@trainyard/contracts';
import { conv2d, dense, initSeeds } from './pytorch-init';
import type { ModelBuilder } from './model.types';

type CifarCnnSpec = Extract<ModelSpec, { type: 'cifar-cnn' }>;

/** Course 4.2: Conv(3→6,5) ReLU Pool, Conv(6→16,5) ReLU Pool, 400→120→84→10. 62,006 parameters. */
export const buildCifarCnn: ModelBuilder<CifarCnnSpec> = (_spec, input, seed) => {
  const seeds = initSeeds(seed);
  const h = Math.floor((Math.floor((input.height - 4) / 2) - 4) / 2);
  const w = Math.floor((Math.floor((input.width - 4) / 2) - 4) / 2);
  return tf.sequential({
    name: 'cifar-cnn',
    layers: [
      conv2d(6, 5, input.channels, seeds, { inputShape: [input.height, input.width, input.channels], activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      conv2d(16, 5, 6, seeds, { activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      dense(120, 16 * h * w, seeds, { activation: 'relu' }),
      dense(84, 120, seeds, { activation: 'relu' }),
      dense(input.numClasses, 84, seeds),
    ],
  });
};
