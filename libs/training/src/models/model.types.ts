import type * as tf from '@tensorflow/tfjs';

export interface InputShape {
  height: number;
  width: number;
  channels: number;
  numClasses: number;
}

/** Every model outputs logits; the trainer applies (log-)softmax in the loss, as CrossEntropy/NLL∘LogSoftmax do. */
export type ModelBuilder<S> = (spec: S, input: InputShape, seed: number) => tf.Sequential;
