import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

// wasm 4.22's Identity (tf.clone, and the engine's own clones around custom gradients and
// layers) copies the whole tensor; the cpu and webgl backends share the buffer and count a
// reference, as wasm's own Reshape does. Tensors are immutable (Variable.assign swaps buffers),
// so sharing is safe. VGG's step made 247 copies: 47 ms (bench/training-step-profile.bench.ts).

/** Builds the kernel; `fallback` (wasm's own) takes strings, which live outside the wasm heap. */
export function makeIdentityWasm(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string') return fallback(args);
    (args.backend as BackendWasm).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}
