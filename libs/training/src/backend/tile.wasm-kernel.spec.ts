import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from './wasm-training-kernels';

// [1,1,1,C] → [N,H,W,C] is the BatchNorm-gradient case (block copies); the others interleave
// and go to wasm's own kernel.
const CASES: [number[], number[], tf.DataType][] = [
  [[1, 1, 1, 5], [3, 4, 2, 1], 'float32'],
  [[1, 1, 7], [5, 3, 1], 'int32'],
  [[1, 4], [3, 1], 'bool'],
  [[1, 1, 1, 3], [1, 1, 1, 1], 'float32'],
  [[1, 1, 1, 3], [0, 2, 2, 1], 'float32'],
  [[2, 3], [2, 2], 'float32'],
  [[1, 3, 1], [2, 1, 4], 'int32'],
  [[2, 1, 3], [1, 3, 1], 'float32'],
];

async function tiled(backend: string, shape: number[], reps: number[], dtype: tf.DataType): Promise<number[]> {
  await tf.setBackend(backend);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tidy(() => {
    const values =
      dtype === 'bool'
        ? Array.from({ length: size }, (_, i) => i % 3 === 0)
        : Array.from({ length: size }, (_, i) => (dtype === 'int32' ? i * 3 - 2 : i * 1.5 - 2));
    const x = tf.tensor(values, shape, dtype);
    return Array.from(tf.tile(x, reps).dataSync());
  });
}

beforeAll(() => registerWasmTrainingKernels());
afterAll(() => tf.setBackend('wasm'));

describe('Tile on wasm', () => {
  it.each(CASES.map(([shape, reps, dtype]) => [`${dtype} [${shape}] × [${reps}]`, shape, reps, dtype] as const))(
    '%s equals the cpu backend',
    async (_name, shape, reps, dtype) => {
      const expected = await tiled('cpu', shape, reps, dtype);
      expect(await tiled('wasm', shape, reps, dtype)).toEqual(expected);
    },
  );
});
