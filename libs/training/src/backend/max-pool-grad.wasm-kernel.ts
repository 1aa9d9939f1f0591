import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapView } from './wasm-kernel-calls';

// wasm's MaxPoolGrad is a generic loop that visits every window around every input pixel: it was
// the costliest kernel of the course CNN's step (4.8 of 20 ms). When windows do not overlap
// (MaxPool 2, stride 2, as in all the course's nets) one pass sends each dy to its window's max;
// whole 2×2 windows unrolled (1.2 → 0.85 ms on the course CNN's [64,24,24,6]).

/** Builds the kernel; `fallback` (wasm's own) takes overlapping windows and dilation. */
export function makeMaxPoolGradWasm(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPoolGradAttrs;
    const c = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = c;
    const { effectiveFilterHeight: FH, effectiveFilterWidth: FW, strideHeight: sh, strideWidth: sw } = c;
    if (sh < FH || sw < FW || input.dtype !== 'float32' || dy.dtype !== 'float32') return fallback(args);

    const dx = backend.makeOutput(input.shape, 'float32');
    const x = heapView(backend, input);
    const g = heapView(backend, dy);
    const out = heapView(backend, dx);
    // Only each window's argmax is written; the rest, and rows/columns no window covers, stay 0.
    out.fill(0);
    const rowStride = W * C;
    for (let n = 0, o = 0; n < N; n++) {
      for (let oh = 0; oh < OH; oh++) {
        const r0 = Math.max(0, oh * sh - c.padInfo.top);
        const r1 = Math.min(H, oh * sh - c.padInfo.top + FH);
        for (let ow = 0; ow < OW; ow++, o += C) {
          const q0 = Math.max(0, ow * sw - c.padInfo.left);
          const q1 = Math.min(W, ow * sw - c.padInfo.left + FW);
          const first = ((n * H + r0) * W + q0) * C;
          const rowEnd = (r1 - r0) * rowStride;
          const colEnd = (q1 - q0) * C;
          // Channel by channel with scalars: per-window scratch arrays and their fills cost more
          // than the comparisons. Row-major over the window with a strict '>': the first maximum
          // wins, as on cpu.
          if (rowEnd === 2 * rowStride && colEnd === 2 * C) {
            // A whole 2×2 window (the course's pools) unrolled: loop overhead was most of the cost.
            for (let ch = 0; ch < C; ch++) {
              const i = first + ch;
              let best = -Infinity;
              let at = -1;
              let v = x[i];
              if (v > best) (best = v), (at = i);
              v = x[i + C];
              if (v > best) (best = v), (at = i + C);
              v = x[i + rowStride];
              if (v > best) (best = v), (at = i + rowStride);
              v = x[i + rowStride + C];
              if (v > best) at = i + rowStride + C;
              if (at >= 0) out[at] = g[o + ch];
            }
            continue;
          }
          for (let ch = 0; ch < C; ch++) {
            let best = -Infinity;
            let at = -1;
            for (let dr = 0; dr < rowEnd; dr += rowStride) {
              for (let dq = 0; dq < colEnd; dq += C) {
                const i = first + dr + dq + ch;
                const v = x[i];
                if (v > best) {
                  best = v;
                  at = i;
                }
              }
            }
            if (at >= 0) out[at] = g[o + ch];
          }
        }
      }
    }
    return dx;
  };
}
