import type * as tf from '@tensorflow/tfjs';
import type { ImageShape } from '@trainyard/contracts';

/** An image shape and the number of classes a model outputs logits for. */
export interface InputShape extends ImageShape {
  numClasses: number;
}

/** Every model outputs logits; the trainer applies (log-)softmax in the loss, as CrossEntropy/NLL∘LogSoftmax do. */
export type ModelBuilder<S> = (spec: S, input: InputShape, seed: number) => tf.Sequential;
