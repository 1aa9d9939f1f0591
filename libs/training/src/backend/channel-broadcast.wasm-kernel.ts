import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { free, heapView, withShape } from './wasm-kernel-calls';

// wasm 4.22's binary ops hand a broadcast to XNNPACK row by row, and a row is as long as the
// broadcast operand: a conv bias add over 6 channels, [64,24,24,6] + [6], took 0.39 ms where the
// same add seen as [576,384] + [384] (the bias repeated 64 times) takes 0.034 ms. This sees a
// per-channel broadcast that way: the big operand reshaped (no copy), the small one tiled.

/** Row length to aim for: past about a thousand floats the op runs at memory speed. */
const TARGET_ROW = 1024;

/** Builds Add, Sub or Multiply; `fallback` (wasm's own) does the op, on the wider view or as given. */
export function makeChannelBroadcastWasm(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const plan = a.dtype === 'float32' && b.dtype === 'float32' ? planWiderRows(a.shape, b.shape) : undefined;
    if (!plan) return fallback(args);

    const small = plan.smallIsA ? a : b;
    const big = plan.smallIsA ? b : a;
    const tiled = backend.makeOutput([plan.rowLength], 'float32');
    const src = heapView(backend, small);
    const dst = heapView(backend, tiled);
    for (let at = 0; at < plan.rowLength; at += src.length) dst.set(src, at);
    const wide = withShape(big, [plan.rows, plan.rowLength]);
    try {
      const out = fallback({ ...args, inputs: plan.smallIsA ? { a: tiled, b: wide } : { a: wide, b: tiled } }) as tf.TensorInfo;
      return withShape(out, plan.outShape);
    } finally {
      free(backend, tiled);
    }
  };
}

interface WiderRows {
  smallIsA: boolean;
  rows: number;
  rowLength: number;
  outShape: number[];
}

/**
 * When one operand is the other's last dimensions (after leading 1s), e.g. [N,H,W,C] and [C] or
 * [1,1,1,C], and repeats in short rows: the view [rows, rowLength] of the big one, rowLength a
 * multiple of the small one's size near TARGET_ROW. Undefined when the op is anything else, or
 * the rows are long already.
 */
export function planWiderRows(aShape: number[], bShape: number[]): WiderRows | undefined {
  const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
  const smallIsA = size(aShape) < size(bShape);
  const [small, big] = smallIsA ? [aShape, bShape] : [bShape, aShape];
  const core = small.slice(small.findIndex((d) => d !== 1));
  if (core.length === 0 || small.length > big.length) return undefined;
  if (core.some((d, i) => d !== big[big.length - core.length + i])) return undefined;
  const width = size(core);
  const total = size(big);
  if (width === 0 || total === width || width * 2 > TARGET_ROW) return undefined;
  const repeats = total / width;
  // The largest whole number of repeats per row that keeps the row near TARGET_ROW.
  let k = Math.min(repeats, Math.floor(TARGET_ROW / width));
  while (repeats % k !== 0) k--;
  if (k === 1) return undefined;
  return { smallIsA, rows: repeats / k, rowLength: width * k, outShape: big };
}
