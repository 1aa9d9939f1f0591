import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

// The BatchNormalization gradient tiles a [1,1,1,C] tensor to the activations' full shape, and
// wasm's Tile is a generic index loop (154 ms of a 1.2 s VGG step, batch 16). When the result
// is just the whole input repeated, doubling block copies do it at memory speed.

/** Builds the kernel; `fallback` (wasm's own) takes every other tiling. */
export function makeTileWasm(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { reps } = args.attrs as unknown as tf.TileAttrs;
    const copies = wholeInputCopies(x.shape, reps);
    if (copies === undefined || x.dtype === 'string') return fallback(args);
    const out = backend.makeOutput(
      x.shape.map((d, i) => d * reps[i]),
      x.dtype,
    );
    const src = backend.typedArrayFromHeap(x);
    const dst = backend.typedArrayFromHeap(out);
    const total = dst.length;
    if (total === 0) return out;
    dst.set(src);
    for (let filled = src.length; filled < total; filled *= 2) dst.copyWithin(filled, 0, Math.min(filled, total - filled));
    return out;
  };
}

/** How many times the output repeats x end to end, or undefined if it interleaves. */
function wholeInputCopies(shape: number[], reps: number[]): number | undefined {
  let copies = 1;
  let leading = true;
  for (let i = 0; i < shape.length; i++) {
    if (leading && shape[i] === 1) copies *= reps[i];
    else if (reps[i] !== 1) return undefined;
    else leading = false;
  }
  return copies;
}
