import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.types';
import { crossEntropySum } from './loss';
import type { BatchSource } from './batch-source';

export interface Evaluation {
  loss: number;
  accuracy: number;
  correct: number;
  samples: number;
  perClassAccuracy: number[];
  confusionMatrix: number[][];
}

/**
 * Test-set loss (mean of per-sample losses, as the course sums then divides) and accuracy.
 * Null when `signal` aborts, checked before each test batch: a full pass can take minutes on a
 * CPU (VGG16 over 10,000 images), longer than a stopping worker may wait.
 */
export async function evaluate(model: tf.LayersModel, dataset: Dataset, batches: BatchSource, signal?: AbortSignal): Promise<Evaluation | null> {
  const k = dataset.classNames.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let lossSum = 0;
  let samples = 0;
  for (const batch of batches()) {
    if (signal?.aborted) return null;
    const [lossT, predT] = tf.tidy(() => {
      const x = tf.tensor4d(batch.x, [batch.n, dataset.height, dataset.width, dataset.channels]);
      const y = tf.tensor1d(batch.y, 'int32');
      const logits = model.apply(x, { training: false }) as tf.Tensor2D;
      return [crossEntropySum(logits, y), tf.argMax(logits, 1)];
    });
    const [lossV, preds] = await Promise.all([lossT.data(), predT.data()]);
    lossT.dispose();
    predT.dispose();
    lossSum += lossV[0];
    for (let i = 0; i < batch.n; i++) confusion[batch.y[i]][preds[i]] += 1;
    samples += batch.n;
    await yieldToEventLoop();
  }
  const correct = confusion.reduce((s, row, i) => s + row[i], 0);
  const perClassAccuracy = confusion.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? 0 : row[i] / total;
  });
  return {
    loss: samples ? lossSum / samples : NaN,
    accuracy: samples ? correct / samples : 0,
    correct,
    samples,
    perClassAccuracy,
    confusionMatrix: confusion,
  };
}

/** A macrotask break, so timers (BullMQ lock renewal, sockets) run between batches. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
