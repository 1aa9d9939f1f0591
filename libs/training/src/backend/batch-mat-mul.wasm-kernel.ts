import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { free, runWasmKernel, withShape } from './wasm-kernel-calls';

// wasm 4.22's BatchMatMul reaches XNNPACK only without transposes and with batch 1; any
// transpose sends it to a scalar loop. A Dense layer's two gradients are exactly those products
// (dx = dy·Wᵀ, dW = xᵀ·dy): 3.8 of the CIFAR CNN's 20 ms step, 5× its forward matmul. Here the
// transposed operand is transposed for real (a copy the size of one operand) and the product is
// left to XNNPACK.

/** Builds the kernel; `fallback` (wasm's own) takes batched products and the untransposed case. */
export function makeBatchMatMulWasm(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    if ((!transposeA && !transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(args);
    if (a.shape.length < 2 || b.shape.length < 2 || batchSize(a) !== 1 || batchSize(b) !== 1) return fallback(args);

    const aReady = transposeA ? transpose2d(backend, a) : a;
    const bReady = transposeB ? transpose2d(backend, b) : b;
    try {
      // The fallback keeps the batch dimensions (all 1) of both inputs in its output's shape.
      return fallback({ ...args, inputs: { a: aReady, b: bReady }, attrs: { ...args.attrs, transposeA: false, transposeB: false } }) as tf.TensorInfo;
    } finally {
      if (aReady !== a) free(backend, aReady);
      if (bReady !== b) free(backend, bReady);
    }
  };
}

function batchSize(info: tf.TensorInfo): number {
  return info.shape.slice(0, -2).reduce((p, d) => p * d, 1);
}

/** [..., r, c] with batch dimensions all 1 → the same batch dimensions and [c, r], copied. */
function transpose2d(backend: BackendWasm, info: tf.TensorInfo): tf.TensorInfo {
  const rank = info.shape.length;
  const [r, c] = info.shape.slice(-2);
  const t = runWasmKernel(backend, 'Transpose', { x: withShape(info, [r, c]) }, { perm: [1, 0] });
  return withShape(t, [...info.shape.slice(0, rank - 2), c, r]);
}
