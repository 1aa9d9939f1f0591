import * as tf from '@tensorflow/tfjs';
import { createRng } from '../random';
import { planWiderRows } from './channel-broadcast.wasm-kernel';
import { registerWasmTrainingKernels } from './wasm-training-kernels';

type Op = 'add' | 'sub' | 'mul';

// A conv bias ([C] and [1,1,1,C]) on either side, a per-row vector, odd sizes with few whole
// repeats per row, batch 1, and what goes to wasm's own kernels: equal shapes, a broadcast that
// is not a suffix, channels too wide to gain, int32.
const CASES: [number[], number[], 'float32' | 'int32'][] = [
  [[4, 6, 5, 6], [6], 'float32'],
  [[6], [4, 6, 5, 6], 'float32'],
  [[3, 5, 5, 7], [1, 1, 1, 7], 'float32'],
  [[1, 1, 1, 3], [1, 7, 5, 3], 'float32'],
  [[1, 9, 9, 5], [9, 5], 'float32'],
  [[13, 11], [11], 'float32'],
  [[3, 4, 6], [1, 6], 'float32'],
  [[4, 6, 5, 6], [4, 6, 5, 6], 'float32'],
  [[4, 6, 5, 6], [4, 1, 1, 6], 'float32'],
  [[4, 3, 600], [600], 'float32'],
  [[4, 6, 5, 6], [6], 'int32'],
];

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);

async function apply(backend: 'cpu' | 'wasm', op: Op, aShape: number[], bShape: number[], dtype: 'float32' | 'int32', a: number[], b: number[]) {
  await tf.setBackend(backend);
  const buffersBefore = tf.backend().numDataIds();
  const result = tf.tidy(() => {
    const y = tf[op](tf.tensor(a, aShape, dtype), tf.tensor(b, bShape, dtype));
    return { shape: y.shape, values: Array.from(y.dataSync()) };
  });
  // The tiled operand is freed.
  expect(tf.backend().numDataIds()).toBe(buffersBefore);
  return result;
}

beforeAll(() => registerWasmTrainingKernels());
afterAll(() => tf.setBackend('wasm'));

describe.each(['add', 'sub', 'mul'] as const)('%s with a per-channel broadcast on wasm', (op) => {
  const rng = createRng(`channel-broadcast-${op}`);
  it.each(CASES.map(([a, b, dtype]) => [`${dtype} [${a}] ${op} [${b}]`, a, b, dtype] as const))('%s equals the cpu backend exactly', async (_name, aShape, bShape, dtype) => {
    const draw = (shape: number[]) => Array.from({ length: size(shape) }, () => (dtype === 'int32' ? Math.round(rng() * 20 - 10) : rng() * 4 - 2));
    const a = draw(aShape);
    const b = draw(bShape);
    const expected = await apply('cpu', op, aShape, bShape, dtype, a, b);
    const actual = await apply('wasm', op, aShape, bShape, dtype, a, b);
    expect(actual).toEqual(expected);
  });
});

describe('planWiderRows', () => {
  it('sees a conv bias over 6 channels as rows of 864 floats (144 pixels), and leaves what gains nothing', () => {
    expect(planWiderRows([64, 24, 24, 6], [6])).toEqual({ smallIsA: false, rows: 256, rowLength: 864, outShape: [64, 24, 24, 6] });
    expect(planWiderRows([4, 6], [4, 6])).toBeUndefined();
    expect(planWiderRows([4, 6, 5, 6], [4, 1, 1, 6])).toBeUndefined();
    expect(planWiderRows([7, 600], [600])).toBeUndefined();
    expect(planWiderRows([7, 5], [5])).toEqual({ smallIsA: false, rows: 1, rowLength: 35, outShape: [7, 5] });
  });
});
