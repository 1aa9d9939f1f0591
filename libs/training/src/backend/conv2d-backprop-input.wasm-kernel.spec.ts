import * as tf from '@tensorflow/tfjs';
import { createRng } from '../random';
import { registerWasmTrainingKernels } from './wasm-training-kernels';
import { SHARED_CONV_CASES, type ConvCase } from './__tests__/conv-case';

type Case = ConvCase;

// The shared cases, plus a 5×5 filter, explicit padding wider than the filter reaches back
// (which the kernel hands to wasm's own), and many channels.
const CASES: Case[] = [
  ...SHARED_CONV_CASES,
  { x: [2, 12, 12, 6], k: [5, 5], co: 6, stride: 1, pad: 'valid' },
  { x: [1, 5, 5, 2], k: [3, 3], co: 2, stride: 1, pad: [[0, 0], [3, 1], [0, 4], [0, 0]] },
  { x: [2, 4, 4, 32], k: [3, 3], co: 64, stride: 1, pad: 'same' },
];

const filterShape = (c: Case): [number, number, number, number] => [...c.k, c.x[3], c.co];
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

async function inputGrad(backend: 'cpu' | 'wasm', c: Case, x: Float32Array, f: Float32Array): Promise<Float32Array> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const buffersBefore = tf.backend().numDataIds();
  const values = tf.tidy(() => {
    const filter = tf.tensor4d(f, filterShape(c));
    // d/dx of Σ conv·w with a fixed w exercises Conv2DBackpropInput with dy = w.
    const y = tf.conv2d(tf.tensor4d(x, c.x), filter, c.stride, c.pad);
    const w = tf.tensor(Float32Array.from({ length: y.size }, (_, i) => Math.sin(i)), y.shape);
    return tf.grad((xt) => tf.sum(tf.mul(tf.conv2d(xt as tf.Tensor4D, filter, c.stride, c.pad), w)))(tf.tensor4d(x, c.x)).dataSync();
  });
  // Nothing left behind, neither tensors nor buffers the kernel made on its own.
  expect(tf.memory().numTensors).toBe(before);
  expect(tf.backend().numDataIds()).toBe(buffersBefore);
  return values as Float32Array;
}

beforeAll(() => registerWasmTrainingKernels());
afterAll(() => tf.setBackend('wasm'));

describe('Conv2DBackpropInput on wasm', () => {
  const rng = createRng('conv2d-backprop-input');

  it.each(CASES.map((c) => [JSON.stringify(c), c] as const))('%s equals the cpu backend to 1e-4', async (_name, c) => {
    const x = Float32Array.from({ length: size(c.x) }, () => rng() * 2 - 1);
    const f = Float32Array.from({ length: size(filterShape(c)) }, () => rng() * 2 - 1);
    const expected = await inputGrad('cpu', c, x, f);
    const actual = await inputGrad('wasm', c, x, f);
    let maxDiff = 0;
    for (let i = 0; i < expected.length; i++) maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
    expect(actual.length).toBe(expected.length);
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('is registered once however often registration runs', () => {
    registerWasmTrainingKernels();
    const first = tf.getKernel(tf.Conv2DBackpropInput, 'wasm')?.kernelFunc;
    registerWasmTrainingKernels();
    expect(tf.getKernel(tf.Conv2DBackpropInput, 'wasm')?.kernelFunc).toBe(first);
  });
});
