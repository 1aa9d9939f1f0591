import * as tf from '@tensorflow/tfjs';

/**
 * Mean cross-entropy of logits against integer labels: PyTorch's CrossEntropyLoss, and also
 * NLLLoss∘LogSoftmax, which the 4.1 nets use; both are this same quantity.
 */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const logProbs = tf.logSoftmax(logits);
    const picked = tf.sum(tf.mul(logProbs, tf.oneHot(labels, logits.shape[1])), 1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}

/** Sum (not mean) of the per-sample loss, for test-set averages as the course computes them. */
export function crossEntropySum(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const logProbs = tf.logSoftmax(logits);
    return tf.neg(tf.sum(tf.mul(logProbs, tf.oneHot(labels, logits.shape[1])))) as tf.Scalar;
  });
}

export function countCorrect(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'int32')) as tf.Scalar);
}
