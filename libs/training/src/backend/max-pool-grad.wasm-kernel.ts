import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapView } from './wasm-kernel-calls';

// wasm's MaxPoolGrad is a generic loop that visits every window around every input pixel: it was
// the costliest kernel of the course CNN's step (4.8 of 20 ms). When windows do not overlap
// (MaxPool 2, stride 2, as in all the course's nets) one pass sends each dy to its window's max.

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
    out.fill(0);
    const best = new Float32Array(C);
    const at = new Int32Array(C);
    for (let n = 0, o = 0; n < N; n++) {
      for (let oh = 0; oh < OH; oh++) {
        const r0 = Math.max(0, oh * sh - c.padInfo.top);
        const r1 = Math.min(H, oh * sh - c.padInfo.top + FH);
        for (let ow = 0; ow < OW; ow++, o += C) {
          const q0 = Math.max(0, ow * sw - c.padInfo.left);
          const q1 = Math.min(W, ow * sw - c.padInfo.left + FW);
          best.fill(-Infinity);
          at.fill(-1);
          // Row-major over the window with a strict '>': the first maximum wins, as on cpu.
          for (let r = r0; r < r1; r++) {
            for (let q = q0; q < q1; q++) {
              const base = ((n * H + r) * W + q) * C;
              for (let ch = 0; ch < C; ch++) {
                const v = x[base + ch];
                if (v > best[ch]) {
                  best[ch] = v;
                  at[ch] = base + ch;
                }
              }
            }
          }
          for (let ch = 0; ch < C; ch++) if (at[ch] >= 0) out[at[ch]] = g[o + ch];
        }
      }
    }
    return dx;
  };
}
