import * as tf from '@tensorflow/tfjs';
import { createRng } from '../random';
import { registerWasmTrainingKernels } from './wasm-training-kernels';

interface Case {
  shape: number[];
  axis: number | number[];
  keepDims: boolean;
  dtype?: 'float32' | 'int32';
}

// Leading axes (a bias gradient, BatchNorm's moments: N, H and W of NHWC), given unsorted or
// negative, with and without keepDims, batch 1, a zero-size input; and what goes to wasm's own
// kernels: inner or middle axes, every axis, int32.
const CASES: Case[] = [
  { shape: [4, 5, 3, 6], axis: [0, 1, 2], keepDims: false },
  { shape: [4, 5, 3, 6], axis: [0, 1, 2], keepDims: true },
  { shape: [1, 7, 5, 3], axis: [2, 0, 1], keepDims: true },
  { shape: [3, 4, 5, 2], axis: [-4, -3], keepDims: false },
  { shape: [64, 10], axis: 0, keepDims: false },
  { shape: [9, 1], axis: [0], keepDims: true },
  { shape: [0, 3, 2], axis: [0, 1], keepDims: false },
  { shape: [4, 5, 3, 6], axis: [1, 2], keepDims: true },
  { shape: [4, 5, 3, 6], axis: [3], keepDims: false },
  { shape: [4, 5, 3], axis: [0, 1, 2], keepDims: false },
  { shape: [6, 4], axis: 0, keepDims: false, dtype: 'int32' },
];

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);

async function reduce(backend: 'cpu' | 'wasm', op: 'sum' | 'mean', c: Case, x: Float32Array) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const y = tf[op](tf.tensor(x, c.shape, c.dtype ?? 'float32'), c.axis, c.keepDims);
    return { shape: y.shape, dtype: y.dtype, values: Array.from(y.dataSync()) };
  });
}

beforeAll(() => registerWasmTrainingKernels());
afterAll(() => tf.setBackend('wasm'));

describe.each(['sum', 'mean'] as const)('%s on wasm', (op) => {
  const rng = createRng(`leading-axes-${op}`);

  it.each(CASES.map((c) => [`${c.dtype ?? 'float32'} [${c.shape}] over ${JSON.stringify(c.axis)}${c.keepDims ? ', keepDims' : ''}`, c] as const))(
    '%s equals the cpu backend',
    async (_name, c) => {
      // Integers for int32; for float32, values of mixed sign and magnitude so the order and
      // precision of the accumulation show.
      const x = Float32Array.from({ length: size(c.shape) }, () => (c.dtype === 'int32' ? Math.round(rng() * 20 - 10) : (rng() * 2 - 1) * 10 ** Math.round(rng() * 4 - 2)));
      const expected = await reduce('cpu', op, c, x);
      const actual = await reduce('wasm', op, c, x);
      expect(actual.shape).toEqual(expected.shape);
      expect(actual.dtype).toBe(expected.dtype);
      expect(actual.values.length).toBe(expected.values.length);
      actual.values.forEach((v, i) => expect(Math.abs(v - expected.values[i])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(expected.values[i]))));
    },
  );
});
