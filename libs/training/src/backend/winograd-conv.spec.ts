import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { createRng } from '../random';
import { registerWasmTrainingKernels } from './wasm-training-kernels';
import { winogradConv2d, winogradEligible, winogradFilterGrad } from './winograd-conv';
import type { ConvCase } from './__tests__/conv-case';

// Winograd F(2×2,3×3) (Conv2D, FusedConv2D, Conv2DBackpropInput, Conv2DBackpropFilter on wasm)
// against the cpu backend's direct conv and its gradients. Errors are taken relative to the
// largest |value| of the cpu result: a measurement on VGG's layers gave ≤ 3.6e-6 forward and ≤ 6e-6 for
// the filter gradient at VGG sizes; a wrong transform entry is off by O(1).
const FORWARD_TOL = 1e-5;
const FILTER_GRAD_TOL = 5e-5;

type Case = ConvCase & { fused?: { bias: boolean; activation: 'linear' | 'relu' } };

/** Shapes Winograd takes: Ci and Co ≥ 16, 2×2 up to 8×8, odd sizes, batch 1 and > 1, explicit pads of 1. */
const WINOGRAD_CASES: Case[] = [
  { x: [1, 2, 2, 16], k: [3, 3], co: 16, stride: 1, pad: 'same' },
  { x: [3, 4, 4, 16], k: [3, 3], co: 24, stride: 1, pad: 'same' },
  { x: [2, 8, 8, 32], k: [3, 3], co: 16, stride: 1, pad: 1 },
  { x: [2, 5, 7, 17], k: [3, 3], co: 20, stride: 1, pad: 'same' },
  { x: [1, 1, 3, 16], k: [3, 3], co: 16, stride: 1, pad: [[0, 0], [1, 1], [1, 1], [0, 0]] },
];

/** Shapes that must fall back to the existing kernels, and still be right. */
const FALLBACK_CASES: Case[] = [
  { x: [2, 6, 6, 3], k: [3, 3], co: 16, stride: 1, pad: 'same' },
  { x: [2, 8, 8, 16], k: [3, 3], co: 16, stride: 2, pad: 'same' },
  { x: [2, 6, 6, 16], k: [3, 3], co: 16, stride: 1, pad: 'valid' },
  { x: [2, 8, 8, 16], k: [5, 5], co: 16, stride: 1, pad: 'same' },
  { x: [2, 4, 4, 16], k: [3, 3], co: 16, stride: 1, pad: [[0, 0], [2, 0], [1, 1], [0, 0]] },
];

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const filterShape = (c: Case): [number, number, number, number] => [...c.k, c.x[3], c.co];
const info = (c: Case) => tf.backend_util.computeConv2DInfo(c.x, filterShape(c), c.stride, 1, c.pad);

interface Values {
  x: Float32Array;
  f: Float32Array;
  bias: Float32Array;
  w: Float32Array;
}

function randomValues(c: Case, rng: () => number): Values {
  const r = (n: number) => Float32Array.from({ length: n }, () => rng() * 2 - 1);
  const outSize = size(info(c).outShape);
  return { x: r(size(c.x)), f: r(size(filterShape(c))), bias: r(c.co), w: r(outSize) };
}

interface Results {
  y: Float32Array;
  dx: Float32Array;
  df: Float32Array;
}

/**
 * The conv (fused, if the case says so), and the gradients of Σ conv·w for x and the filter, on
 * one backend through the public ops; checks nothing is left behind (tensors, or buffers the
 * kernels made on their own).
 */
async function run(backend: 'cpu' | 'wasm', c: Case, v: Values): Promise<Results> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const idsBefore = tf.backend().numDataIds();
  const out = tf.tidy(() => {
    const x = tf.tensor4d(v.x, c.x);
    const f = tf.tensor4d(v.f, filterShape(c));
    const bias = tf.tensor1d(v.bias);
    const w = tf.tensor(v.w, info(c).outShape);
    const conv = (xt: tf.Tensor4D, ft: tf.Tensor4D) =>
      c.fused
        ? tf.fused.conv2d({ x: xt, filter: ft, strides: c.stride, pad: c.pad, bias: c.fused.bias ? bias : undefined, activation: c.fused.activation })
        : tf.conv2d(xt, ft, c.stride, c.pad);
    const loss = (xt: tf.Tensor, ft: tf.Tensor) => tf.sum(tf.mul(conv(xt as tf.Tensor4D, ft as tf.Tensor4D), w));
    const [dx, df] = tf.grads(loss)([x, f]);
    return { y: conv(x, f).dataSync() as Float32Array, dx: dx.dataSync() as Float32Array, df: df.dataSync() as Float32Array };
  });
  expect(tf.memory().numTensors).toBe(before);
  expect(tf.backend().numDataIds()).toBe(idsBefore);
  return out;
}

/** max |a − b| / max |b|: the error relative to the reference's scale. */
function relErr(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

function expectSame(actual: Results, expected: Results): void {
  expect(relErr(actual.y, expected.y)).toBeLessThan(FORWARD_TOL);
  expect(relErr(actual.dx, expected.dx)).toBeLessThan(FORWARD_TOL);
  expect(relErr(actual.df, expected.df)).toBeLessThan(FILTER_GRAD_TOL);
}

beforeAll(() => registerWasmTrainingKernels());
afterAll(() => tf.setBackend('wasm'));

describe('Winograd F(2×2,3×3) convs on wasm', () => {
  const rng = createRng('winograd-conv');
  const name = (c: Case) => JSON.stringify(c);

  describe.each(WINOGRAD_CASES.map((c) => [name(c), c] as const))('takes %s', (_n, c) => {
    it('is a shape the Winograd path takes, forward and for both gradients', () => {
      expect(winogradEligible(info(c), c.x[3])).toBe(true);
      expect(winogradEligible(info(c), c.co)).toBe(true);
    });

    it.each([
      ['Conv2D', undefined],
      ['FusedConv2D with bias', { bias: true, activation: 'linear' }],
      ['FusedConv2D without bias', { bias: false, activation: 'linear' }],
    ] as const)('%s and its gradients equal the cpu backend', async (_k, fused) => {
      const cc: Case = { ...c, fused };
      const v = randomValues(cc, rng);
      expectSame(await run('wasm', cc, v), await run('cpu', cc, v));
    });
  });

  describe.each(
    [...FALLBACK_CASES, { ...WINOGRAD_CASES[1], fused: { bias: true, activation: 'relu' } } as Case].map((c) => [name(c), c] as const),
  )('falls back on %s', (_n, c) => {
    it('and equals the cpu backend', async () => {
      const v = randomValues(c, rng);
      if (!c.fused) expect(winogradEligible(info(c), c.x[3])).toBe(false);
      expectSame(await run('wasm', c, v), await run('cpu', c, v));
    });
  });

  it('gives each of two same-shaped filters its own result (XNNPACK operator cache)', async () => {
    // wasm's BatchMatMul caches its packed XNNPACK operator by the right operand's tensor id: a
    // Winograd that reused its transformed-filter tensors would multiply by the first filter
    // again. Two forward convs back to back, with nothing in between that could evict it.
    const c = WINOGRAD_CASES[1];
    const a = randomValues(c, rng);
    const b = randomValues(c, rng);
    const forward = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const x = tf.tensor4d(a.x, c.x);
        const ya = tf.conv2d(x, tf.tensor4d(a.f, filterShape(c)), 1, 'same').dataSync() as Float32Array;
        const yb = tf.conv2d(x, tf.tensor4d(b.f, filterShape(c)), 1, 'same').dataSync() as Float32Array;
        return [ya, yb];
      });
    };
    const [wasmA, wasmB] = await forward('wasm');
    const [cpuA, cpuB] = await forward('cpu');
    expect(relErr(wasmA, cpuA)).toBeLessThan(FORWARD_TOL);
    expect(relErr(wasmB, cpuB)).toBeLessThan(FORWARD_TOL);
  });

  it('replaces Conv2D and FusedConv2D once however often registration runs (replica threads call it too)', () => {
    const first = [tf.getKernel(tf.Conv2D, 'wasm')?.kernelFunc, tf.getKernel(tf.FusedConv2D, 'wasm')?.kernelFunc];
    registerWasmTrainingKernels();
    expect([tf.getKernel(tf.Conv2D, 'wasm')?.kernelFunc, tf.getKernel(tf.FusedConv2D, 'wasm')?.kernelFunc]).toEqual(first);
  });

  describe('in chunks of a few images', () => {
    // Batch 5 with chunks of 2 images: two full chunks and a short one.
    const c: Case = { x: [5, 6, 5, 16], k: [3, 3], co: 24, stride: 1, pad: 'same' };
    const tilesPerImage = 3 * 3;
    const twoImages = 2 * 16 * tilesPerImage * (16 + 24);
    let v: Values;
    let expected: Results;
    beforeAll(async () => {
      v = randomValues(c, rng);
      expected = await run('cpu', c, v);
      await tf.setBackend('wasm');
    });

    /** Calls `fn` on wasm tensors of the case; checks it leaves only its result behind. */
    function onWasm(fn: (backend: BackendWasm, t: Record<'x' | 'f' | 'w', tf.TensorInfo>) => tf.TensorInfo): Float32Array {
      const backend = tf.backend() as BackendWasm;
      const x = tf.tensor4d(v.x, c.x);
      const f = tf.tensor4d(v.f, filterShape(c));
      const w = tf.tensor(v.w, info(c).outShape);
      const ids = backend.numDataIds();
      const out = fn(backend, { x, f, w });
      expect(backend.numDataIds()).toBe(ids + 1);
      const values = backend.readSync(out.dataId) as Float32Array;
      backend.disposeData(out.dataId);
      tf.dispose([x, f, w]);
      return values;
    }

    it('forward equals the cpu backend', () => {
      const y = onWasm((backend, t) => winogradConv2d(backend, t.x, t.f, { chunkFloats: twoImages }));
      expect(relErr(y, expected.y)).toBeLessThan(FORWARD_TOL);
    });

    it('the input gradient (flipped filter) equals the cpu backend', () => {
      const dx = onWasm((backend, t) => winogradConv2d(backend, t.w, t.f, { flip: true, chunkFloats: twoImages }));
      expect(relErr(dx, expected.dx)).toBeLessThan(FORWARD_TOL);
    });

    it('the filter gradient, summed over chunks, equals the cpu backend', () => {
      const df = onWasm((backend, t) => winogradFilterGrad(backend, t.x, t.w, twoImages));
      expect(relErr(df, expected.df)).toBeLessThan(FILTER_GRAD_TOL);
    });
  });
});
