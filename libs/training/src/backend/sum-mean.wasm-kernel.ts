import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapView } from './wasm-kernel-calls';

// wasm 4.22's Sum and Mean reduce only innermost axes: for any other axes they first transpose
// the whole input. Training reduces NHWC activations over N, H and W (bias gradients, and
// BatchNorm's moments and their gradients), so each call copied the activations once: 50 ms a
// call on VGG's [128,32,32,64], 0.7 of the 5.3 s of its step. Reducing leading axes needs no
// transpose: add the input's rows into one row of accumulators (6.3 ms on that input;
// bench/training-step-profile.bench.ts).

type Reduction = 'sum' | 'mean';

/** Builds Sum or Mean; `fallback` (wasm's own) takes everything but float32 over leading axes. */
export function makeLeadingAxesReduceWasm(reduction: Reduction, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const leading = axes.length > 0 && axes.length < rank && [...axes].sort((p, q) => p - q).every((a, i) => a === i);
    const rows = x.shape.slice(0, axes.length).reduce((p, d) => p * d, 1);
    if (!leading || x.dtype !== 'float32' || rows === 0) return fallback(args);

    const kept = x.shape.slice(axes.length);
    const out = backend.makeOutput(keepDims ? [...axes.map(() => 1), ...kept] : kept, 'float32');
    sumRows(heapView(backend, x), rows, kept.reduce((p, d) => p * d, 1), heapView(backend, out), reduction === 'mean' ? rows : 1);
    return out;
  };
}

/** Accumulator row length to aim for when the kept dimensions are narrow (6 channels). */
const TARGET_ROW = 1024;

/**
 * out[c] = Σ_r src[r·width + c] / divisor. Accumulates in float64 (a JS number, as the cpu
 * backend's reductions do), so the result is what cpu gives up to float32 rounding. The reads are
 * sequential; a narrow width is widened to k whole rows at a time (k dividing rows), so the inner
 * loop is long, then the k partial sums of each column are folded.
 */
function sumRows(src: Float32Array, rows: number, width: number, out: Float32Array, divisor: number): void {
  let k = Math.max(1, Math.min(rows, Math.floor(TARGET_ROW / width)));
  while (rows % k !== 0) k--;
  const wide = width * k;
  const acc = new Float64Array(wide);
  const end = rows * width;
  let base = 0;
  // Four rows per pass over the accumulators: a quarter of their loads and stores.
  for (; base + 4 * wide <= end; base += 4 * wide) {
    for (let c = 0, i = base; c < wide; c++, i++) acc[c] += src[i] + src[i + wide] + src[i + 2 * wide] + src[i + 3 * wide];
  }
  for (; base < end; base += wide) {
    for (let c = 0; c < wide; c++) acc[c] += src[base + c];
  }
  for (let c = 0; c < width; c++) {
    let total = 0;
    for (let j = c; j < wide; j += width) total += acc[j];
    out[c] = total / divisor;
  }
}
