import * as tf from '@tensorflow/tfjs';
import { createRng } from '../random';
import { registerWasmTrainingKernels } from './wasm-training-kernels';

type Pad = 'same' | 'valid';
// Non-overlapping windows, the fast path: whole 2×2 windows (unrolled), windows cut by the
// edge, larger windows, batch 1, and the course CNN's first pool.
const CASES: [number[], number, number, Pad][] = [
  [[2, 8, 8, 3], 2, 2, 'valid'],
  [[3, 9, 7, 2], 2, 2, 'valid'],
  [[2, 9, 7, 4], 2, 2, 'same'],
  [[1, 10, 10, 1], 3, 3, 'same'],
  [[2, 6, 6, 5], 2, 3, 'valid'],
  [[1, 6, 8, 3], 2, 2, 'valid'],
  [[64, 24, 24, 6], 2, 2, 'valid'],
];

async function poolGrad(backend: string, shape: number[], size: number, stride: number, pad: Pad, x: Float32Array) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, shape as [number, number, number, number]);
    const y = tf.maxPool(xt, size, stride, pad);
    const w = tf.tensor(Float32Array.from({ length: y.size }, (_, i) => 1 + (i % 7)), y.shape);
    return Array.from(tf.grad((v) => tf.sum(tf.mul(tf.maxPool(v as tf.Tensor4D, size, stride, pad), w)))(xt).dataSync());
  });
}

beforeAll(() => registerWasmTrainingKernels());
afterAll(() => tf.setBackend('wasm'));

describe('MaxPoolGrad on wasm', () => {
  const rng = createRng('max-pool-grad');
  it.each(CASES.map(([shape, size, stride, pad]) => [`[${shape}] pool ${size} stride ${stride} ${pad}`, shape, size, stride, pad] as const))(
    '%s equals the cpu backend, ties included',
    async (_name, shape, size, stride, pad) => {
      // Few distinct values, half of them ReLU zeros: windows with tied maxima are common, and
      // the first maximum in the window must get the gradient, as on cpu.
      const x = Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => Math.max(0, Math.round(rng() * 6) - 3));
      const expected = await poolGrad('cpu', shape, size, stride, pad, x);
      expect(await poolGrad('wasm', shape, size, stride, pad, x)).toEqual(expected);
    },
  );

  it('sends the gradient of a window holding a NaN where cpu does', async () => {
    // No value equals a NaN maximum, so the argmax comes from the ordered scan.
    const shape = [2, 4, 4, 3];
    const x = Float32Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => (i % 7 === 3 ? NaN : (i * 37) % 11));
    const expected = await poolGrad('cpu', shape, 2, 2, 'valid', x);
    expect(await poolGrad('wasm', shape, 2, 2, 'valid', x)).toEqual(expected);
  });

  it('leaves overlapping windows to wasm’s own kernel, which equals cpu when maxima are unique', async () => {
    // wasm's own kernel breaks ties its own way; with distinct values there are none.
    const shape = [2, 9, 9, 3];
    const x = Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng());
    const expected = await poolGrad('cpu', shape, 3, 2, 'same', x);
    expect(await poolGrad('wasm', shape, 3, 2, 'same', x)).toEqual(expected);
  });
});
