import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from './wasm-training-kernels';

beforeAll(async () => {
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
});

describe('Identity on wasm', () => {
  it('shares the buffer: a clone adds no buffer, and each side outlives the other', () => {
    const buffersBefore = tf.backend().numDataIds();
    const x = tf.tensor([1.5, -2, 3], [3]);
    const y = tf.clone(x);
    expect(tf.backend().numDataIds()).toBe(buffersBefore + 1);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1.5, -2, 3]);
    const z = tf.clone(y);
    y.dispose();
    expect(Array.from(z.dataSync())).toEqual([1.5, -2, 3]);
    z.dispose();
    expect(tf.backend().numDataIds()).toBe(buffersBefore);
  });

  it('keeps a clone of a variable unchanged when the variable is assigned', () => {
    const v = tf.variable(tf.tensor([1, 2], [2]));
    const before = tf.clone(v);
    v.assign(tf.tensor([7, 8], [2]));
    expect(Array.from(before.dataSync())).toEqual([1, 2]);
    expect(Array.from(v.dataSync())).toEqual([7, 8]);
    tf.dispose([v, before]);
  });

  it.each(['float32', 'int32', 'bool', 'string'] as const)('clones %s as the cpu backend does', async (dtype) => {
    const values = { float32: [0.5, -1, 2], int32: [3, -4, 5], bool: [true, false, true], string: ['a', 'bc', ''] }[dtype];
    const clone = async (backend: string) => {
      await tf.setBackend(backend);
      const x = tf.tensor(values, [3], dtype);
      const y = tf.clone(x);
      try {
        return { dtype: y.dtype, shape: y.shape, values: Array.from(y.dataSync() as ArrayLike<unknown>) };
      } finally {
        tf.dispose([x, y]);
      }
    };
    const expected = await clone('cpu');
    expect(await clone('wasm')).toEqual(expected);
  });
});
