import * as tf from '@tensorflow/tfjs';

// PyTorch's default init for Linear and Conv2d: kaiming_uniform_(a=√5) on weights, which is
// U(±1/√fan_in), and U(±1/√fan_in) on biases. The course's one-epoch numbers depend on it;
// TF.js defaults (Glorot weights, zero biases) train differently.

export interface InitSeeds {
  next(): number;
}

/** Hands out a distinct, reproducible seed per initialiser from the experiment's seed. */
export function initSeeds(seed: number): InitSeeds {
  let n = 0;
  return { next: () => (seed * 7919 + ++n * 104729) % 2147483647 };
}

type Initializer = ReturnType<typeof tf.initializers.randomUniform>;
type DenseArgs = Parameters<typeof tf.layers.dense>[0];
type ConvArgs = Parameters<typeof tf.layers.conv2d>[0];

export function pytorchUniform(fanIn: number, seeds: InitSeeds): Initializer {
  const bound = 1 / Math.sqrt(fanIn);
  return tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: seeds.next() });
}

export function dense(units: number, fanIn: number, seeds: InitSeeds, extra: Partial<DenseArgs> = {}) {
  return tf.layers.dense({
    units,
    kernelInitializer: pytorchUniform(fanIn, seeds),
    biasInitializer: pytorchUniform(fanIn, seeds),
    ...extra,
  });
}

export function conv2d(
  filters: number,
  kernelSize: number,
  inChannels: number,
  seeds: InitSeeds,
  extra: Partial<ConvArgs> = {},
) {
  const fanIn = inChannels * kernelSize * kernelSize;
  return tf.layers.conv2d({
    filters,
    kernelSize,
    kernelInitializer: pytorchUniform(fanIn, seeds),
    biasInitializer: pytorchUniform(fanIn, seeds),
    ...extra,
  });
}
