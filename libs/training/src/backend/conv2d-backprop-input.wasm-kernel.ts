import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { free, heapView, runWasmKernel } from './wasm-kernel-calls';
import { winogradConv2d, winogradEligible } from './winograd-conv';

// wasm's own Conv2DBackpropInput is a scalar C++ loop: it took 1.5 of the 2.3 s of a VGG training
// step (batch 16). This one is the textbook identity dx = conv(dy zero-dilated by the stride,
// filter flipped and in/out swapped), run by the XNNPACK Conv2D like the forward pass. VGG's
// 3×3 stride-1 'same' layers take the same identity by Winograd F(2×2,3×3) instead
// (winograd-conv.ts), with the flip done inside its filter transform: 1.5–2.0× faster there.

/** Builds the kernel; `fallback` (wasm's own) takes what the identity cannot: NCHW, odd padding. */
export function makeConv2dBackpropInputWasm(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    if (dataFormat === 'NCHW' || dy.dtype !== 'float32' || filter.dtype !== 'float32') return fallback(args);
    const c = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = c;
    const { strideHeight: sh, strideWidth: sw } = c;
    const pads = {
      top: KH - 1 - c.padInfo.top,
      left: KW - 1 - c.padInfo.left,
      bottom: H + c.padInfo.top - (OH - 1) * sh - 1,
      right: W + c.padInfo.left - (OW - 1) * sw - 1,
    };
    if (Object.values(pads).some((p) => p < 0) || c.batchSize * OH * OW === 0) return fallback(args);
    // The conv it runs reads dy, so its input channels are the forward conv's outputs.
    if (winogradEligible(c, c.outChannels)) return winogradConv2d(backend, dy, filter, { flip: true });

    const flipped = flipAndSwap(backend, filter);
    const spread = sh === 1 && sw === 1 ? dy : dilate(backend, dy, sh, sw);
    const dx = runWasmKernel(
      backend,
      'Conv2D',
      { x: spread, filter: flipped },
      {
        strides: [1, 1],
        pad: [[0, 0], [pads.top, pads.bottom], [pads.left, pads.right], [0, 0]],
        dataFormat: 'NHWC',
        dilations: [1, 1],
      },
    );
    free(backend, flipped);
    if (spread !== dy) free(backend, spread);
    return dx;
  };
}

/**
 * [KH,KW,Ci,Co] → [KH,KW,Co,Ci] with the taps in reverse order. wasm's Reverse kernel is a slow
 * generic loop (116 ms on a 3×3×512×512 filter), so the taps are reversed here as block copies.
 */
function flipAndSwap(backend: BackendWasm, filter: tf.TensorInfo): tf.TensorInfo {
  const [KH, KW, Ci, Co] = filter.shape;
  const swapped = runWasmKernel(backend, 'Transpose', { x: filter }, { perm: [0, 1, 3, 2] });
  const out = backend.makeOutput([KH, KW, Co, Ci], 'float32');
  const src = heapView(backend, swapped);
  const dst = heapView(backend, out);
  const block = Ci * Co;
  const taps = KH * KW;
  for (let t = 0; t < taps; t++) dst.set(src.subarray((taps - 1 - t) * block, (taps - t) * block), t * block);
  free(backend, swapped);
  return out;
}

/** dy with (stride − 1) zeros between neighbours, so the strided conv's gradient is a plain conv. */
function dilate(backend: BackendWasm, dy: tf.TensorInfo, sh: number, sw: number): tf.TensorInfo {
  const [N, OH, OW, C] = dy.shape;
  const DH = (OH - 1) * sh + 1;
  const DW = (OW - 1) * sw + 1;
  const out = backend.makeOutput([N, DH, DW, C], 'float32');
  const src = heapView(backend, dy);
  const dst = heapView(backend, out);
  dst.fill(0);
  for (let n = 0, s = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, s += C) {
        dst.set(src.subarray(s, s + C), ((n * DH + oh * sh) * DW + ow * sw) * C);
      }
    }
  }
  return out;
}
