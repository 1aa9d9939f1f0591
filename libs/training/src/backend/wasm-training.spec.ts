import * as tf from '@tensorflow/tfjs';
import { createRng } from '../random';
import { registerWasmTrainingKernels } from './wasm-training-kernels';

// Trains the layer kinds of the course's models on wasm. A gradient missing on wasm throws
// "Kernel '…' not registered"; a wrong one shows up against the cpu backend.

type Build = () => tf.Sequential;

const seeded = (seed: number) => ({ kernelInitializer: tf.initializers.glorotUniform({ seed }) });

/** The 4.1 CNN's layers, plus a BatchNorm, at 16×16. */
const cnn: Build = () =>
  tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [16, 16, 1], filters: 4, kernelSize: 5, activation: 'relu', ...seeded(1) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 4, kernelSize: 3, useBias: false, ...seeded(2) }),
      tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }),
      tf.layers.activation({ activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 16, activation: 'relu', ...seeded(3) }),
      tf.layers.dense({ units: 3, ...seeded(4) }),
    ],
  });

/** VGG blocks (3×3 same conv, BN, ReLU, MaxPool) with a strided conv and average pooling. */
const vggish: Build = () =>
  tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [12, 12, 3], filters: 8, kernelSize: 3, padding: 'same', ...seeded(5) }),
      tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }),
      tf.layers.activation({ activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'same', ...seeded(6) }),
      tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }),
      tf.layers.activation({ activation: 'relu' }),
      tf.layers.averagePooling2d({ poolSize: 3 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, ...seeded(7) }),
    ],
  });

/**
 * VGG blocks wide enough for the Winograd kernels (winograd-conv.ts: ≥ 16 channels, 3×3 'same'):
 * forward, input and filter gradients of both convs go that way, the odd 5×5 map included.
 */
const vggWinograd: Build = () =>
  tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [10, 10, 16], filters: 16, kernelSize: 3, padding: 'same', ...seeded(8) }),
      tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }),
      tf.layers.activation({ activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 24, kernelSize: 3, padding: 'same', ...seeded(9) }),
      tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }),
      tf.layers.activation({ activation: 'relu' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, ...seeded(10) }),
    ],
  });

const MODELS: [string, Build, [number, number, number]][] = [
  ['CNN (conv, ReLU, MaxPool, BatchNorm, dense)', cnn, [16, 16, 1]],
  ['VGG-ish (same and strided conv, BatchNorm, AvgPool)', vggish, [12, 12, 3]],
  ['VGG blocks by Winograd (3×3 same conv, 16–24 channels, BatchNorm)', vggWinograd, [10, 10, 16]],
];
const BATCH = 6;

function batch(inputShape: number[]): { x: Float32Array; labels: Int32Array } {
  const rng = createRng('wasm-training');
  const x = Float32Array.from({ length: BATCH * inputShape.reduce((a, b) => a * b) }, () => rng() * 2 - 1);
  const labels = Int32Array.from({ length: BATCH }, (_, i) => i % 3);
  return { x, labels };
}

/** NLL of LogSoftmax, as the trainer computes cross-entropy. */
function loss(model: tf.Sequential, x: tf.Tensor, labels: tf.Tensor1D): tf.Scalar {
  const logits = model.apply(x, { training: true }) as tf.Tensor2D;
  return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(labels, 3)), 1))) as tf.Scalar;
}

async function gradients(backend: string, build: Build, inputShape: number[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const model = build();
  const { x, labels } = batch(inputShape);
  try {
    return tf.tidy(() => {
      const xt = tf.tensor(x, [BATCH, ...inputShape]);
      const { grads } = tf.variableGrads(() => loss(model, xt, tf.tensor1d(labels, 'int32')));
      // variableGrads keys by variable name, which differs per model instance: order is stable.
      return model.trainableWeights.map((w) => grads[w.originalName].dataSync() as Float32Array);
    });
  } finally {
    model.dispose();
  }
}

beforeAll(() => registerWasmTrainingKernels());
afterAll(() => tf.setBackend('wasm'));

describe.each(MODELS)('%s on wasm', (_name, build, inputShape) => {
  it('has every gradient equal to the cpu backend', async () => {
    const expected = await gradients('cpu', build, inputShape);
    const actual = await gradients('wasm', build, inputShape);
    expect(actual).toHaveLength(expected.length);
    actual.forEach((grad, i) => {
      let maxDiff = 0;
      for (let j = 0; j < grad.length; j++) maxDiff = Math.max(maxDiff, Math.abs(grad[j] - expected[i][j]));
      expect(maxDiff).toBeLessThan(1e-4);
    });
  });

  it('trains: the loss falls and tensors do not pile up', async () => {
    await tf.setBackend('wasm');
    const model = build();
    const optimizer = tf.train.momentum(0.05, 0.5);
    const { x, labels } = batch(inputShape);
    const xt = tf.tensor(x, [BATCH, ...inputShape]);
    const yt = tf.tensor1d(labels, 'int32');
    try {
      const losses: number[] = [];
      const tensorsAfterStep: number[] = [];
      for (let step = 0; step < 12; step++) {
        const value = optimizer.minimize(() => loss(model, xt, yt), true) as tf.Scalar;
        losses.push(value.dataSync()[0]);
        value.dispose();
        tensorsAfterStep.push(tf.memory().numTensors, tf.backend().numDataIds());
      }
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(losses[losses.length - 1]).toBeLessThan(0.5 * losses[0]);
      // The first step creates the momentum slots; after that, neither tensors nor wasm buffers
      // may accumulate.
      const [tensors, buffers] = [0, 1].map((k) => new Set(tensorsAfterStep.filter((_, i) => i % 2 === k).slice(1)));
      expect(tensors.size).toBe(1);
      expect(buffers.size).toBe(1);
    } finally {
      tf.dispose([xt, yt]);
      optimizer.dispose();
      model.dispose();
    }
  });
});
