import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { assertFloat32NHWC, free, heapView, runWasmKernel, withShape } from './wasm-kernel-calls';
import { winogradEligible, winogradFilterGrad } from './winograd-conv';

// tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter, so no Conv2D model trains on it. This one
// turns the filter gradient into one of the two XNNPACK-backed ops wasm has (Conv2D, MatMul).
// VGG's 3×3 stride-1 'same' layers go by Winograd F(2×2,3×3) first (winograd-conv.ts): 1.4–2.1×
// faster than im2col there; every other conv takes the two methods below.

type ConvInfo = tf.backend_util.Conv2DInfo;
export type FilterGradMethod = 'batch-as-channels' | 'im2col';

/** Most floats one im2col block holds (16 MB); bigger layers are done in row blocks. */
const IM2COL_BLOCK_FLOATS = 1 << 22;

/**
 * Floats of dy that one im2col product takes (1 MB; more where dW is large); a larger dy is done
 * a few whole images at a time. XNNPACK packs its right operand (dy) anew for every new tensor,
 * reading it once per 8 columns: on VGG's first layer at batch 128 (dy 33 MB, out of cache) the
 * kernel took 120 ms, 45 ms in chunks; its second layer 220 → 170 ms (measured with a fresh dy
 * per call, as in training; bench/training-step-profile.bench.ts shows the step).
 */
const IM2COL_CHUNK_FLOATS = 1 << 18;

/** Overrides for tests and the benchmark; the kernel itself always decides by shape. */
export interface FilterGradOptions {
  /** Forces one of the non-Winograd methods (Winograd is skipped when a method is given). */
  method?: FilterGradMethod;
  /** Floats per Winograd chunk (winograd-conv.ts filterGradChunkFloats unless given). */
  winogradChunkFloats?: number;
  im2colBlockFloats?: number;
  im2colChunkFloats?: number;
}

/**
 * Picked by measurement (bench/conv-backprop-filter.bench.ts): batch-as-channels wins while Co is
 * narrow (course CNN conv2: 0.6 vs 1.7 ms), im2col once Co is wide next to the patch rows
 * (VGG 3→64 at batch 128: 33 vs 102 ms; the wider VGG layers: 5–60% faster).
 */
export function chooseFilterGradMethod(info: ConvInfo): FilterGradMethod {
  const rows = info.filterHeight * info.filterWidth * info.inChannels;
  return info.outChannels >= 128 || 2 * info.outChannels >= rows ? 'im2col' : 'batch-as-channels';
}

export function conv2dBackpropFilterWasm(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
  options: FilterGradOptions = {},
): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  assertFloat32NHWC('Conv2DBackpropFilter', dataFormat, x, dy);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  if (info.batchSize * info.outHeight * info.outWidth === 0) {
    const out = backend.makeOutput(info.filterShape, 'float32');
    heapView(backend, out).fill(0);
    return out;
  }
  if (options.method == null && winogradEligible(info, info.inChannels)) return winogradFilterGrad(backend, x, dy, options.winogradChunkFloats);
  return (options.method ?? chooseFilterGradMethod(info)) === 'im2col'
    ? im2colFilterGrad(backend, x, dy, info, options.im2colBlockFloats ?? IM2COL_BLOCK_FLOATS, options.im2colChunkFloats ?? defaultChunkFloats(info))
    : batchAsChannelsFilterGrad(backend, x, dy, info);
}

/** IM2COL_CHUNK_FLOATS, or twice the partial dW each chunk adds, so the adding stays small. */
function defaultChunkFloats(c: ConvInfo): number {
  return Math.max(IM2COL_CHUNK_FLOATS, 2 * c.filterHeight * c.filterWidth * c.inChannels * c.outChannels);
}

/**
 * dW[kh,kw,ci,co] = Σ x[n, oh·s+kh−pt, ow·s+kw−pl, ci] · dy[n,oh,ow,co] is a convolution of x
 * seen as Ci images with N channels, [Ci,H,W,N], by dy seen as a filter [OH,OW,N,Co] dilated by the
 * stride. One XNNPACK conv plus three transposes: few ops, little data moved.
 */
function batchAsChannelsFilterGrad(backend: BackendWasm, x: tf.TensorInfo, dy: tf.TensorInfo, c: ConvInfo): tf.TensorInfo {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = c;
  const { strideHeight: sh, strideWidth: sw } = c;
  const { top, left } = c.padInfo;
  // Padding after the image that makes the conv's output exactly KH×KW; negative means the
  // forward conv never reached those last rows/columns, so they are cut off instead.
  const bottom = (OH - 1) * sh + KH - H - top;
  const right = (OW - 1) * sw + KW - W - left;
  const cropped =
    bottom < 0 || right < 0
      ? runWasmKernel(backend, 'Slice', { x }, { begin: [0, 0, 0, 0], size: [-1, H + Math.min(bottom, 0), W + Math.min(right, 0), -1] })
      : x;
  const xT = runWasmKernel(backend, 'Transpose', { x: cropped }, { perm: [3, 1, 2, 0] });
  if (cropped !== x) free(backend, cropped);
  const dyT = runWasmKernel(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  const conv = runWasmKernel(
    backend,
    'Conv2D',
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      pad: [[0, 0], [top, Math.max(bottom, 0)], [left, Math.max(right, 0)], [0, 0]],
      dataFormat: 'NHWC',
      dilations: [sh, sw],
    },
  );
  free(backend, xT, dyT);
  const dW = runWasmKernel(backend, 'Transpose', { x: conv }, { perm: [1, 2, 0, 3] });
  free(backend, conv);
  return dW;
}

/**
 * dW as [KH·KW·Ci, M]·[M, Co] with M = N·OH·OW: the patch matrix is gathered here already
 * transposed, since the wasm MatMul only reaches XNNPACK without transposes (else a scalar loop).
 * x is first made channel-major so each gathered run reads contiguous memory. A large dy is taken
 * a chunk of whole images at a time (its rows are contiguous), and the chunks' products summed.
 */
function im2colFilterGrad(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  c: ConvInfo,
  blockFloats: number,
  chunkFloats: number,
): tf.TensorInfo {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: Ci, outHeight: OH, outWidth: OW, outChannels: Co } = c;
  const { filterHeight: KH, filterWidth: KW } = c;
  const rowsTotal = KH * KW * Ci;
  const imagesPerChunk = Math.max(1, Math.min(N, Math.floor(chunkFloats / (OH * OW * Co))));
  const plane = N * H * W;

  const xT = Ci === 1 ? x : runWasmKernel(backend, 'Transpose', { x }, { perm: [3, 0, 1, 2] });
  const dW = backend.makeOutput(c.filterShape, 'float32');
  for (let n0 = 0; n0 < N; n0 += imagesPerChunk) {
    const n1 = Math.min(N, n0 + imagesPerChunk);
    const M = (n1 - n0) * OH * OW;
    let dyChunk = withShape(dy, [1, M, Co]);
    if (n1 - n0 < N) {
      // The chunk's own buffer: a tensor cannot be a view into part of another.
      dyChunk = backend.makeOutput([1, M, Co], 'float32');
      heapView(backend, dyChunk).set(heapView(backend, dy).subarray(n0 * OH * OW * Co, n1 * OH * OW * Co));
    }
    const rowsPerBlock = Math.max(1, Math.min(rowsTotal, Math.floor(blockFloats / M)));
    // XNNPACK packs the chunk once and reuses it for every row block (its cache is keyed on it).
    for (let row0 = 0; row0 < rowsTotal; row0 += rowsPerBlock) {
      const rows = Math.min(rowsPerBlock, rowsTotal - row0);
      const patches = backend.makeOutput([1, rows, M], 'float32');
      gatherPatches(heapView(backend, xT), heapView(backend, patches), c, plane, row0, rows, n0, n1);
      const block = runWasmKernel(backend, 'BatchMatMul', { a: patches, b: dyChunk }, { transposeA: false, transposeB: false });
      free(backend, patches);
      const out = heapView(backend, dW);
      const part = heapView(backend, block);
      if (n0 === 0) out.set(part, row0 * Co);
      else for (let i = 0, o = row0 * Co; i < part.length; i++, o++) out[o] += part[i];
      free(backend, block);
    }
    if (dyChunk.dataId !== dy.dataId) free(backend, dyChunk);
  }
  if (xT !== x) free(backend, xT);
  return dW;
}

/**
 * Rows row0…row0+rows of the transposed patch matrix, for images n0…n1−1: dst[r, m] is the x
 * value (0 in padding) that patch row r of output pixel m reads. `src` is x channel-major,
 * [Ci, N, H, W], whose plane per channel is `plane` = N·H·W floats.
 */
function gatherPatches(src: Float32Array, dst: Float32Array, c: ConvInfo, plane: number, row0: number, rows: number, n0: number, n1: number): void {
  const { inHeight: H, inWidth: W, inChannels: Ci, outHeight: OH, outWidth: OW, filterWidth: KW, strideHeight: sh, strideWidth: sw } = c;
  const { top, left } = c.padInfo;
  for (let r = 0, o = 0; r < rows; r++) {
    const row = row0 + r;
    const ci = row % Ci;
    const tap = (row - ci) / Ci;
    const kw = tap % KW;
    const kh = (tap - kw) / KW;
    // Output columns whose input column lies inside the image; the rest read padding (0).
    const owFrom = Math.min(OW, Math.max(0, Math.ceil((left - kw) / sw)));
    const owTo = Math.max(owFrom, Math.min(OW, Math.floor((W - 1 + left - kw) / sw) + 1));
    for (let n = n0; n < n1; n++) {
      for (let oh = 0; oh < OH; oh++, o += OW) {
        const ih = oh * sh + kh - top;
        if (ih < 0 || ih >= H) {
          dst.fill(0, o, o + OW);
          continue;
        }
        if (owFrom > 0) dst.fill(0, o, o + owFrom);
        let s = ci * plane + (n * H + ih) * W + owFrom * sw + kw - left;
        const end = o + owTo;
        for (let d = o + owFrom; d < end; d++, s += sw) dst[d] = src[s];
        if (owTo < OW) dst.fill(0, end, o + OW);
      }
    }
  }
}

export const conv2dBackpropFilterWasmConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: (args) => conv2dBackpropFilterWasm(args),
};
