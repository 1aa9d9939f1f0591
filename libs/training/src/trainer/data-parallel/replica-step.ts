import * as tf from '@tensorflow/tfjs';
import { countCorrect, crossEntropy } from '../loss';
import type { Shard } from './shards';

/** Image shape of one sample (NHWC without N). */
export interface SampleShape {
  height: number;
  width: number;
  channels: number;
}

/**
 * The order of values in a replica's slot: each trainable weight's gradient, in
 * `model.trainableWeights` order, then each non-trainable weight's value (BatchNorm's moving mean
 * and variance), in `model.nonTrainableWeights` order. By position, not by name: replicas in
 * other threads build their own model, whose variable names may differ.
 */
export function slotLength(model: tf.LayersModel): number {
  return [...model.trainableWeights, ...model.nonTrainableWeights].reduce((sum, w) => sum + w.read().size, 0);
}

/**
 * Forward and backward on one shard in training mode: writes the gradients of the shard's MEAN
 * cross-entropy, then the non-trainable weights as the forward pass left them (BatchNorm updates
 * its moving statistics from the shard's own batch statistics), into `slot`. Returns the shard's
 * mean loss and its count of correct predictions. Does not change the trainable weights.
 */
export function computeShard(
  model: tf.LayersModel,
  shape: SampleShape,
  shard: { x: Float32Array; y: Int32Array; n: number },
  slot: Float32Array,
): { loss: number; correct: number } {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return tf.tidy(() => {
    const x = tf.tensor4d(shard.x, [shard.n, shape.height, shape.width, shape.channels]);
    const y = tf.tensor1d(shard.y, 'int32');
    let correct: tf.Scalar | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const logits = model.apply(x, { training: true }) as tf.Tensor2D;
      correct = tf.keep(countCorrect(logits, y));
      return crossEntropy(logits, y);
    }, vars);
    let offset = 0;
    for (const v of vars) offset = put(slot, offset, grads[v.name].dataSync() as Float32Array);
    for (const w of model.nonTrainableWeights) offset = put(slot, offset, w.read().dataSync() as Float32Array);
    const counted = correct!.dataSync()[0];
    // Kept out of the tape's tidy above, so it is freed by hand.
    correct!.dispose();
    return { loss: value.dataSync()[0], correct: counted };
  });
}

function put(slot: Float32Array, offset: number, values: Float32Array): number {
  slot.set(values, offset);
  return offset + values.length;
}

/**
 * Σ nᵢ·slotᵢ / n over the replicas in replica order (shards of 0 samples skipped), in float64,
 * written into `out` as float32. The gradient of the whole batch's mean loss is the shard means'
 * gradients weighted by shard size; every replica runs this same loop on the same inputs, so each
 * gets the same bits whatever the threads' timing.
 */
export function weightedAverage(slots: readonly Float32Array[], shards: readonly Shard[], out: Float32Array): void {
  const n = shards.reduce((sum, s) => sum + s.count, 0);
  const live = shards.map((s, i) => ({ w: s.count, slot: slots[i] })).filter((r) => r.w > 0);
  for (let j = 0; j < out.length; j++) {
    let sum = 0;
    for (const r of live) sum += r.w * r.slot[j];
    out[j] = sum / n;
  }
}

/**
 * Applies the averaged gradients (the first part of `average`) with this replica's own optimizer,
 * and sets the non-trainable weights to their averaged values (the rest of it), so every
 * replica's weights, optimizer state and BatchNorm moving statistics stay bit-identical.
 */
export function applyAverage(model: tf.LayersModel, optimizer: tf.Optimizer, average: Float32Array): void {
  tf.tidy(() => {
    const grads: tf.NamedTensorMap = {};
    let offset = 0;
    // The same order as the one-thread path's minimize(), so the optimizer's slots line up with a checkpoint's.
    for (const w of model.trainableWeights) {
      const v = w.read() as tf.Variable;
      grads[v.name] = tf.tensor(average.subarray(offset, offset + v.size), v.shape, 'float32');
      offset += v.size;
    }
    optimizer.applyGradients(grads);
    for (const w of model.nonTrainableWeights) {
      const v = w.read() as tf.Variable;
      // A copy: the cpu backend keeps the array it is given, and `average` is reused next step.
      v.assign(tf.tensor(average.slice(offset, offset + v.size), v.shape, 'float32'));
      offset += v.size;
    }
  });
}
