import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { winogradConv2d, winogradEligible, type WinogradConvOptions } from './winograd-conv';

// VGG's forward convs (3×3, stride 1, 'same', 64–512 channels) by Winograd F(2×2,3×3): 1.5–2.0×
// faster than wasm's XNNPACK direct conv per layer (winograd-conv.ts). Every other conv — the
// course CNNs' 5×5 and few-channel ones, strides, 'valid' — goes to wasm's own kernel.

/** Overrides for tests; the kernel itself always decides by shape. */
export type ConvKernelOptions = Pick<WinogradConvOptions, 'chunkFloats'>;

/** The conv's geometry when NHWC float32, else null (the fallback takes it). */
function convInfo(x: tf.TensorInfo, filter: tf.TensorInfo, attrs: tf.NamedAttrMap): tf.backend_util.Conv2DInfo | null {
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as tf.Conv2DAttrs;
  if ((dataFormat != null && dataFormat !== 'NHWC') || x.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  if (x.shape.length !== 4 || filter.shape.length !== 4) return null;
  return tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
}

/**
 * Conv2D: x [N,H,W,Ci], filter [3,3,Ci,Co] → [N,H,W,Co] by Winograd when winogradEligible, else
 * `fallback` (wasm's own).
 */
export function makeConv2dWasm(fallback: tf.KernelFunc, options: ConvKernelOptions = {}): tf.KernelFunc {
  return (args) => {
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const info = convInfo(x, filter, args.attrs ?? {});
    if (!info || !winogradEligible(info, info.inChannels)) return fallback(args);
    return winogradConv2d(args.backend as BackendWasm, x, filter, options);
  };
}

/**
 * FusedConv2D: as Conv2D, with a bias [Co] folded into the output transform. Only the linear
 * activation is taken (VGG's convs feed BatchNorm); relu & co., PReLU weights, a broadcast bias
 * of another shape go to `fallback`.
 */
export function makeFusedConv2dWasm(fallback: tf.KernelFunc, options: ConvKernelOptions = {}): tf.KernelFunc {
  return (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as {
      x: tf.TensorInfo;
      filter: tf.TensorInfo;
      bias?: tf.TensorInfo;
      preluActivationWeights?: tf.TensorInfo;
    };
    const { activation } = (args.attrs ?? {}) as unknown as tf.FusedConv2DAttrs;
    const info = convInfo(x, filter, args.attrs ?? {});
    const linear = activation == null || activation === 'linear';
    const plainBias = bias == null || (bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === filter.shape[3]);
    if (!info || !linear || preluActivationWeights != null || !plainBias || !winogradEligible(info, info.inChannels)) return fallback(args);
    return winogradConv2d(args.backend as BackendWasm, x, filter, { ...options, bias });
  };
}
