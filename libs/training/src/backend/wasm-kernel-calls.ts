import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Runs another wasm kernel straight from inside one of ours. Going around the engine keeps the
 * intermediates off the gradient tape and out of `tf.memory()`, and costs no per-op bookkeeping;
 * the caller must free every result with `free`.
 */
export function runWasmKernel(
  backend: BackendWasm,
  kernelName: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const kernel = tf.getKernel(kernelName, 'wasm');
  if (!kernel) throw new Error(`wasm backend has no '${kernelName}' kernel`);
  return kernel.kernelFunc({ inputs, attrs, backend }) as tf.TensorInfo;
}

export function free(backend: BackendWasm, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/**
 * A Float32Array over a tensor's bytes in the wasm heap. Take it again after any allocation:
 * growing the heap detaches earlier views.
 */
export function heapView(backend: BackendWasm, info: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** The same data seen with another shape (no copy); the kernels we call reshape by ref-count. */
export function withShape(info: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

export function assertFloat32NHWC(kernelName: string, dataFormat: string | undefined, ...infos: tf.TensorInfo[]): void {
  if (dataFormat != null && dataFormat !== 'NHWC') {
    throw new Error(`${kernelName} on wasm supports dataFormat 'NHWC' only, got '${dataFormat}'`);
  }
  for (const info of infos) {
    if (info.dtype !== 'float32') throw new Error(`${kernelName} on wasm needs float32 tensors, got ${info.dtype}`);
  }
}
