import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '@trainyard/contracts';
import { dense, initSeeds } from './pytorch-init';
import type { ModelBuilder } from './model.types';

type Fc2LayerSpec = Extract<ModelSpec, { type: 'fc2layer' }>;

/** Course 4.1 FC2Layer: Linear(784,n) ReLU Linear(n,n) ReLU Linear(n,10). 6,442 parameters at n=8. */
export const buildFc2Layer: ModelBuilder<Fc2LayerSpec> = (spec, input, seed) => {
  const seeds = initSeeds(seed);
  const inputSize = input.height * input.width * input.channels;
  return tf.sequential({
    name: 'fc2layer',
    layers: [
      tf.layers.flatten({ inputShape: [input.height, input.width, input.channels] }),
      dense(spec.hidden, inputSize, seeds, { activation: 'relu' }),
      dense(spec.hidden, spec.hidden, seeds, { activation: 'relu' }),
      dense(input.numClasses, spec.hidden, seeds),
    ],
  });
};
