import type { ImageShape, ModelSpec } from './experiment-spec.schema';

// The course's models described layer by layer without TF.js, so that the API can bound a batch's
// memory and estimate a run's FLOPs per request without building a model (a VGG16 is 9 M weights).
// libs/training builds the real TF.js models (libs/training/src/models); its models.spec checks,
// for every model type, variant and data set's image shape, that each layer here has the built
// layer's output shape and parameter count, and that the FLOPs below equal those read from the
// built layers' kernels. A model changed on one side only fails that test.

/** The course's VGG cfg (libs/training's VGG_CFG re-exports it): numbers are 3×3 conv+BN+ReLU, 'M' is MaxPool 2. */
export const VGG16_CFG: readonly (number | 'M')[] = [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'];

/** The kinds of layer the course's models use, one per TF.js layer as libs/training builds them. */
export type LayerKind = 'conv2d' | 'dense' | 'maxPooling2d' | 'flatten' | 'batchNormalization' | 'activation' | 'globalAveragePooling2d';

export interface LayerCost {
  kind: LayerKind;
  /** Output shape of one sample: [height, width, channels] (NHWC without N), or [units]. */
  outputShape: number[];
  /** Trainable parameters, as PyTorch counts them (BatchNorm: γ and β; its running statistics are not trained). */
  params: number;
  /**
   * Forward floating-point operations for one sample: 2 × the multiply-adds of conv2d and dense
   * layers (a multiply and an add each). Bias adds, activations, pooling and BatchNorm are not
   * counted: they are a few operations per output value, small beside the convolutions, and
   * their real cost is in the throughput the workers measure per model (see run-estimate.ts).
   */
  forwardFlops: number;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * The layers of `model` on images of `shape` with `numClasses` outputs, in order, as
 * libs/training builds them (ReLU fused into conv and dense, except in VGG, where conv, BatchNorm
 * and ReLU are separate layers). Assumes a shape the model accepts (the spec schema checks it).
 */
export function modelLayers(model: ModelSpec, shape: ImageShape, numClasses = 10): LayerCost[] {
  const layers: LayerCost[] = [];
  let [h, w, c] = [shape.height, shape.width, shape.channels];
  let flat = 0; // units of the last dense input, once the image has been flattened
  const conv = (filters: number, k: number, same = false) => {
    if (!same) [h, w] = [h - k + 1, w - k + 1];
    const kernel = k * k * c * filters;
    layers.push({ kind: 'conv2d', outputShape: [h, w, filters], params: kernel + filters, forwardFlops: 2 * h * w * kernel });
    c = filters;
  };
  const pool = () => {
    [h, w] = [Math.floor(h / 2), Math.floor(w / 2)];
    layers.push({ kind: 'maxPooling2d', outputShape: [h, w, c], params: 0, forwardFlops: 0 });
  };
  const flatten = () => {
    flat = h * w * c;
    layers.push({ kind: 'flatten', outputShape: [flat], params: 0, forwardFlops: 0 });
  };
  const dense = (units: number) => {
    layers.push({ kind: 'dense', outputShape: [units], params: flat * units + units, forwardFlops: 2 * flat * units });
    flat = units;
  };
  switch (model.type) {
    case 'fc2layer':
      flatten();
      dense(model.hidden);
      dense(model.hidden);
      dense(numClasses);
      break;
    case 'cnn':
      conv(model.features, 5);
      pool();
      conv(model.features, 5);
      pool();
      if (model.head === 'fc') {
        flatten();
        dense(50);
        dense(numClasses);
      } else {
        conv(50, 1);
        conv(numClasses, 1);
        layers.push({ kind: 'globalAveragePooling2d', outputShape: [numClasses], params: 0, forwardFlops: 0 });
      }
      break;
    case 'cifar-cnn':
      conv(6, 5);
      pool();
      conv(16, 5);
      pool();
      flatten();
      dense(120);
      dense(84);
      dense(numClasses);
      break;
    case 'vgg16':
      for (const item of VGG16_CFG) {
        if (item === 'M') {
          pool();
          continue;
        }
        conv(item, 3, true);
        layers.push({ kind: 'batchNormalization', outputShape: [h, w, c], params: 2 * c, forwardFlops: 0 });
        layers.push({ kind: 'activation', outputShape: [h, w, c], params: 0, forwardFlops: 0 });
      }
      if (model.head === 'fc') {
        flatten();
        dense(numClasses);
      } else {
        conv(numClasses, 1);
        flatten();
      }
      break;
  }
  return layers;
}

/** Trainable parameters of `model` on `shape` images (libs/training's countParams of the built model). */
export function modelParams(model: ModelSpec, shape: ImageShape, numClasses = 10): number {
  return modelLayers(model, shape, numClasses).reduce((sum, l) => sum + l.params, 0);
}

/**
 * Forward activations of one sample, in float32 values: the input plus the output of every layer
 * of the model as libs/training builds it. The spec schema bounds a batch's memory with it.
 */
export function activationValuesPerSample(model: ModelSpec, shape: ImageShape): number {
  return modelLayers(model, shape).reduce((sum, l) => sum + size(l.outputShape), shape.height * shape.width * shape.channels);
}

/** Forward FLOPs of one sample (see LayerCost.forwardFlops: 2 × multiply-adds of conv and dense layers). */
export function forwardFlopsPerSample(model: ModelSpec, shape: ImageShape, numClasses = 10): number {
  return modelLayers(model, shape, numClasses).reduce((sum, l) => sum + l.forwardFlops, 0);
}

/**
 * FLOPs of one training step per sample, as a multiple of the forward pass: the backward pass
 * computes two products per layer (the gradient with respect to the layer's input and with
 * respect to its weights), each as costly as the forward one, so training ≈ forward + 2 × forward.
 * This is the "C ≈ 6N per token" of Kaplan et al. 2020, "Scaling Laws for Neural Language
 * Models" (arXiv:2001.08361, §2.1: 2N forward, twice that backward). It counts the first layer's
 * input gradient, which no one needs; the measured throughput absorbs that small excess.
 */
export const TRAINING_FLOPS_PER_FORWARD = 3;
