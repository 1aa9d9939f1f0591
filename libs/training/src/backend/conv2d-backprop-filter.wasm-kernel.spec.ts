import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { createRng } from '../random';
import { chooseFilterGradMethod, conv2dBackpropFilterWasm, type FilterGradMethod } from './conv2d-backprop-filter.wasm-kernel';
import { registerWasmTrainingKernels } from './wasm-training-kernels';
import { SHARED_CONV_CASES, type ConvCase } from './__tests__/conv-case';

type Case = ConvCase;

// The shared cases, plus 5×5 and 1×1 filters, and many output channels.
const CASES: Case[] = [
  ...SHARED_CONV_CASES,
  { x: [4, 12, 12, 1], k: [5, 5], co: 6, stride: 1, pad: 'valid' },
  { x: [2, 8, 8, 6], k: [5, 5], co: 6, stride: 1, pad: 'valid' },
  { x: [3, 5, 5, 8], k: [1, 1], co: 4, stride: 1, pad: 'valid' },
  { x: [2, 4, 4, 16], k: [3, 3], co: 130, stride: 1, pad: 'same' },
];

function randomValues(size: number, rng: () => number): Float32Array {
  return Float32Array.from({ length: size }, () => rng() * 2 - 1);
}

function outShape(c: Case): number[] {
  return tf.backend_util.computeConv2DInfo(c.x, [...c.k, c.x[3], c.co], c.stride, 1, c.pad).outShape;
}

/** The filter gradient as the cpu backend computes it, through the public conv2d gradient. */
async function cpuFilterGrad(c: Case, x: Float32Array, dy: Float32Array): Promise<Float32Array> {
  await tf.setBackend('cpu');
  try {
    return tf.tidy(() => {
      const xt = tf.tensor4d(x, c.x);
      const dyt = tf.tensor(dy, outShape(c));
      const grad = tf.grad((f) => tf.sum(tf.mul(tf.conv2d(xt, f as tf.Tensor4D, c.stride, c.pad), dyt)));
      return grad(tf.zeros([...c.k, c.x[3], c.co])).dataSync() as Float32Array;
    });
  } finally {
    await tf.setBackend('wasm');
  }
}

function wasmFilterGrad(c: Case, x: Float32Array, dy: Float32Array, method: FilterGradMethod, im2colBlockFloats?: number, im2colChunkFloats?: number): Float32Array {
  const backend = tf.backend() as BackendWasm;
  const xt = tf.tensor4d(x, c.x);
  const dyt = tf.tensor(dy, outShape(c));
  const idsBefore = backend.numDataIds();
  const out = conv2dBackpropFilterWasm(
    {
      inputs: { x: xt, dy: dyt },
      backend,
      attrs: { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: [...c.k, c.x[3], c.co] } as unknown as tf.NamedAttrMap,
    },
    { method, im2colBlockFloats, im2colChunkFloats },
  );
  // Exactly one new buffer: the result. Every intermediate was freed.
  expect(backend.numDataIds()).toBe(idsBefore + 1);
  const values = backend.readSync(out.dataId) as Float32Array;
  backend.disposeData(out.dataId);
  tf.dispose([xt, dyt]);
  return values;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

beforeAll(async () => {
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
});

describe('Conv2DBackpropFilter on wasm', () => {
  const rng = createRng('conv2d-backprop-filter');

  describe.each(CASES.map((c) => [JSON.stringify(c), c] as const))('%s', (_name, c) => {
    let x: Float32Array;
    let dy: Float32Array;
    let expected: Float32Array;
    beforeAll(async () => {
      x = randomValues(c.x.reduce((a, b) => a * b), rng);
      dy = randomValues(outShape(c).reduce((a, b) => a * b), rng);
      expected = await cpuFilterGrad(c, x, dy);
    });

    it.each(['batch-as-channels', 'im2col'] as const)('%s equals the cpu backend to 1e-4', (method) => {
      expect(maxAbsDiff(wasmFilterGrad(c, x, dy, method), expected)).toBeLessThan(1e-4);
    });

    it('im2col in blocks of a few rows equals the cpu backend to 1e-4', () => {
      const m = outShape(c).slice(0, 3).reduce((a, b) => a * b);
      expect(maxAbsDiff(wasmFilterGrad(c, x, dy, 'im2col', 3 * m), expected)).toBeLessThan(1e-4);
    });

    it('im2col one image at a time, in blocks of a few rows, equals the cpu backend to 1e-4', () => {
      const m = outShape(c).slice(0, 3).reduce((a, b) => a * b);
      // Chunks of at most 1 float of dy: one image each, its product added into dW.
      expect(maxAbsDiff(wasmFilterGrad(c, x, dy, 'im2col', 3 * m, 1), expected)).toBeLessThan(1e-4);
    });

    it('is what tf.grad of conv2d gives on wasm, with no tensor left behind', () => {
      const before = tf.memory().numTensors;
      const got = tf.tidy(() => {
        const xt = tf.tensor4d(x, c.x);
        const dyt = tf.tensor(dy, outShape(c));
        const grad = tf.grad((f) => tf.sum(tf.mul(tf.conv2d(xt, f as tf.Tensor4D, c.stride, c.pad), dyt)));
        return grad(tf.zeros([...c.k, c.x[3], c.co])).dataSync() as Float32Array;
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(maxAbsDiff(got, expected)).toBeLessThan(1e-4);
    });
  });

  it('picks batch-as-channels for the course CNN and im2col for VGG layers', () => {
    const info = (x: [number, number, number, number], k: number, co: number, pad: 'same' | 'valid') =>
      tf.backend_util.computeConv2DInfo(x, [k, k, x[3], co], 1, 1, pad);
    expect(chooseFilterGradMethod(info([64, 28, 28, 1], 5, 6, 'valid'))).toBe('batch-as-channels');
    expect(chooseFilterGradMethod(info([64, 12, 12, 6], 5, 6, 'valid'))).toBe('batch-as-channels');
    expect(chooseFilterGradMethod(info([128, 32, 32, 3], 3, 64, 'same'))).toBe('im2col');
    expect(chooseFilterGradMethod(info([128, 16, 16, 64], 3, 128, 'same'))).toBe('im2col');
  });

  it('rejects NCHW with a clear error', () => {
    const x = tf.zeros([1, 2, 5, 5]);
    const dy = tf.zeros([1, 3, 3, 3]);
    try {
      expect(() =>
        tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, {
          strides: 1,
          pad: 'valid',
          dataFormat: 'NCHW',
          filterShape: [3, 3, 2, 3],
        } as unknown as tf.NamedAttrMap),
      ).toThrow(/supports dataFormat 'NHWC' only, got 'NCHW'/);
    } finally {
      tf.dispose([x, dy]);
    }
  });
});
