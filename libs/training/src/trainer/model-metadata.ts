import type { ExperimentSpec } from '@trainyard/contracts';

/**
 * What a program outside Trainyard needs to feed a saved model the inputs it was trained on,
 * stored in model.json as `userDefinedMetadata.trainyard` (TF.js's place for it: tf.loadLayersModel
 * reads it back, `model.getUserDefinedMetadata()`). Random crop and flip are training-time
 * augmentation only, so they are not part of it.
 */
export interface ModelMetadata {
  /** NHWC, batch first: `[null, 28, 28, 1]` for MNIST, `[null, 32, 32, 3]` for CIFAR-10. */
  input: { shape: (number | null)[]; layout: 'NHWC'; pixels: 'bytes / 255, in [0, 1]' };
  /** Per channel (one value: every channel); null when the run trained on the raw [0, 1] pixels. */
  normalize: { mean: number[]; std: number[] } | null;
  /**
   * The fixed pixel permutation, null when off: `order[k]` is the row-major pixel position
   * (y·width + x) that output position k takes, every channel alike. `seed` is the spec's.
   */
  permutePixels: { seed: number; order: number[] } | null;
  /** The model's output index → class name. */
  classNames: string[];
  /** The steps, in order, in words. */
  preprocessing: string[];
  /** The run's whole spec, as validated. */
  spec: ExperimentSpec;
}

export function modelMetadata(spec: ExperimentSpec, inputShape: (number | null)[], classNames: readonly string[], permutation: Int32Array | null): ModelMetadata {
  const normalize = spec.transforms.normalize ? { mean: [...spec.transforms.normalize.mean], std: [...spec.transforms.normalize.std] } : null;
  const permutePixels = permutation && spec.permutePixels !== false ? { seed: spec.permutePixels, order: Array.from(permutation) } : null;
  // The order the trainer applies them in (libs/training/src/transforms/transform-plan.ts).
  const preprocessing = [
    `a float32 tensor of shape [n, ${inputShape.slice(1).join(', ')}] (NHWC) holding each pixel's byte / 255`,
    normalize ? 'then, per channel c, (x − mean[c]) / std[c] (one value: every channel)' : 'no normalisation',
    permutePixels ? 'then permute the pixels: output pixel k (row-major y·width + x) = input pixel order[k], every channel alike' : 'no pixel permutation',
    'the output is one logit per class (apply softmax for probabilities), in classNames order',
  ];
  return {
    input: { shape: [...inputShape], layout: 'NHWC', pixels: 'bytes / 255, in [0, 1]' },
    normalize,
    permutePixels,
    classNames: [...classNames],
    preprocessing,
    spec,
  };
}
