import * as tf from '@tensorflow/tfjs';
import { createRng } from '../random';
import { registerWasmTrainingKernels } from './wasm-training-kernels';

interface Case {
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}

// A Dense layer's gradients (2-D, one operand transposed), the batch-1 rank-3 products the
// softmax head's fused matmul makes, single rows and columns, and products the kernel leaves to
// wasm's own (no transpose, batch 2, broadcast batch).
const CASES: Case[] = [
  { a: [5, 7], b: [3, 7], transposeA: false, transposeB: true },
  { a: [7, 5], b: [7, 3], transposeA: true, transposeB: false },
  { a: [7, 5], b: [3, 7], transposeA: true, transposeB: true },
  { a: [1, 9, 4], b: [1, 6, 4], transposeA: false, transposeB: true },
  { a: [1, 9, 4], b: [1, 9, 6], transposeA: true, transposeB: false },
  { a: [1, 1, 4, 3], b: [1, 1, 4, 2], transposeA: true, transposeB: false },
  { a: [1, 8], b: [5, 8], transposeA: false, transposeB: true },
  { a: [8, 1], b: [8, 5], transposeA: true, transposeB: false },
  { a: [64, 120], b: [400, 120], transposeA: false, transposeB: true },
  { a: [4, 6], b: [6, 3], transposeA: false, transposeB: false },
  { a: [2, 5, 4], b: [2, 3, 4], transposeA: false, transposeB: true },
  { a: [2, 4, 5], b: [1, 4, 3], transposeA: true, transposeB: false },
];

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);

async function product(backend: 'cpu' | 'wasm', c: Case, a: Float32Array, b: Float32Array): Promise<{ shape: number[]; values: Float32Array }> {
  await tf.setBackend(backend);
  const buffersBefore = tf.backend().numDataIds();
  const result = tf.tidy(() => {
    const y = tf.matMul(tf.tensor(a, c.a), tf.tensor(b, c.b), c.transposeA, c.transposeB);
    return { shape: y.shape, values: y.dataSync() as Float32Array };
  });
  // No buffer of the explicit transposes left behind.
  expect(tf.backend().numDataIds()).toBe(buffersBefore);
  return result;
}

beforeAll(() => registerWasmTrainingKernels());
afterAll(() => tf.setBackend('wasm'));

describe('BatchMatMul on wasm', () => {
  const rng = createRng('batch-mat-mul');

  it.each(CASES.map((c) => [`[${c.a}]${c.transposeA ? 'ᵀ' : ''} · [${c.b}]${c.transposeB ? 'ᵀ' : ''}`, c] as const))(
    '%s equals the cpu backend to 1e-5',
    async (_name, c) => {
      const a = Float32Array.from({ length: size(c.a) }, () => rng() * 2 - 1);
      const b = Float32Array.from({ length: size(c.b) }, () => rng() * 2 - 1);
      const expected = await product('cpu', c, a, b);
      const actual = await product('wasm', c, a, b);
      expect(actual.shape).toEqual(expected.shape);
      let maxDiff = 0;
      for (let i = 0; i < expected.values.length; i++) maxDiff = Math.max(maxDiff, Math.abs(actual.values[i] - expected.values[i]));
      expect(actual.values.length).toBe(expected.values.length);
      expect(maxDiff).toBeLessThan(1e-5);
    },
  );
});
