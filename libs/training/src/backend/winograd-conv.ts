import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { free, runWasmKernel } from './wasm-kernel-calls';
import {
  filterGradTransform,
  filterTransform,
  inputTransform,
  inputTransformTransposed,
  outputGradTransform,
  outputTransform,
  tileGrid,
} from './winograd-transforms';

// Winograd F(2×2,3×3) (Lavin & Gray 2015, arXiv:1509.09308) for VGG's 3×3 stride-1 'same'
// convolutions: 16·Ci·Co multiplies per 2×2 outputs instead of 36·Ci·Co. The transforms are JS
// over the wasm heap (winograd-transforms.ts); the 16 GEMMs per chunk go to XNNPACK through the
// wasm BatchMatMul. Measured on a 2-core EPYC (batch 128, 1 thread, training-step-profile.bench.ts for the step): 1.5–2.0× faster than
// XNNPACK's direct conv per VGG layer for forward and input gradient, 1.4–2.1× than our im2col
// filter gradient; a whole vgg16 step 3408 → 2087 ms.

/**
 * Floats of V plus M per chunk (16·tiles·(Ci+Co)), 1 Mi (4 MB): measured best against 256 Ki
 * (GEMMs too short to run XNNPACK at speed) and 4 Mi / 16 Mi (V and M fall out of cache).
 */
export const WINOGRAD_CHUNK_FLOATS = 1 << 20;

/**
 * Extra floats after each of the 16 transformed matrices, times k: with equal power-of-two sizes
 * the transforms' 16 write streams land in the same cache sets (measured 6× slower at Ci = 64).
 */
const PAD_FLOATS = 80;

/**
 * Fewest input channels taken. Measured: VGG's first layer (Ci = 3) is slower by Winograd (GEMMs
 * too thin to repay the transforms), Ci = 64…512 faster; 16 is a chosen cut between, not measured.
 */
export const WINOGRAD_MIN_CHANNELS = 16;

type ConvInfo = tf.backend_util.Conv2DInfo;

/**
 * Whether a conv is one Winograd F(2×2,3×3) takes: 3×3 filter, stride 1, dilation 1, padding 1 on
 * every side (what 'same' gives a 3×3 at stride 1, or explicit 1s), NHWC, at least
 * WINOGRAD_MIN_CHANNELS input channels, and something to compute. Odd H/W are taken (the tile
 * grid is padded). `inChannels` is the channel count the transformed conv reads: Ci forward and
 * for the filter gradient, Co for the input gradient (its conv runs over dy).
 */
export function winogradEligible(info: ConvInfo, inChannels: number): boolean {
  const p = info.padInfo;
  return (
    info.dataFormat === 'channelsLast' &&
    info.filterHeight === 3 &&
    info.filterWidth === 3 &&
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    p.top === 1 &&
    p.bottom === 1 &&
    p.left === 1 &&
    p.right === 1 &&
    info.outHeight === info.inHeight &&
    info.outWidth === info.inWidth &&
    inChannels >= WINOGRAD_MIN_CHANNELS &&
    info.batchSize * info.inHeight * info.inWidth * info.outChannels > 0
  );
}

/** The wasm heap as floats. Take it again after any allocation: growing the heap detaches it. */
function heapF32(backend: BackendWasm): Float32Array {
  return (backend.wasm as unknown as { HEAPF32: Float32Array }).HEAPF32;
}

/** A tensor's offset in heapF32, in floats (the backend keeps it in bytes). */
function floatOffset(backend: BackendWasm, info: tf.TensorInfo): number {
  const map = (backend as unknown as { dataIdMap: { get(id: object): { memoryOffset: number } } }).dataIdMap;
  return map.get(info.dataId).memoryOffset >> 2;
}

function offsetsOf(backend: BackendWasm, infos: tf.TensorInfo[]): number[] {
  return infos.map((i) => floatOffset(backend, i));
}

/** 16 buffers of `floats` each, the k-th padded by k·PAD_FLOATS (see PAD_FLOATS). */
function make16(backend: BackendWasm, floats: number): tf.TensorInfo[] {
  return Array.from({ length: 16 }, (_, k) => backend.makeOutput([floats + PAD_FLOATS * k], 'float32'));
}

function zeros(backend: BackendWasm, n: number): tf.TensorInfo {
  const z = backend.makeOutput([n], 'float32');
  const o = floatOffset(backend, z);
  heapF32(backend).fill(0, o, o + n);
  return z;
}

/**
 * a [rows, inner] · b [inner, cols] on XNNPACK (wasm's BatchMatMul, batch 1, no transposes: the
 * only form that reaches it). wasm caches the packed XNNPACK operator by b's tensor id, so b must
 * be a tensor whose contents never change after this call (the callers make a fresh one each
 * time; reusing one with new contents gives silently wrong products).
 */
function matMul(backend: BackendWasm, a: tf.TensorInfo, rows: number, inner: number, b: tf.TensorInfo, cols: number): tf.TensorInfo {
  return runWasmKernel(
    backend,
    'BatchMatMul',
    { a: { dataId: a.dataId, shape: [1, rows, inner], dtype: 'float32' }, b: { dataId: b.dataId, shape: [1, inner, cols], dtype: 'float32' } },
    { transposeA: false, transposeB: false },
  );
}

export interface WinogradConvOptions {
  /**
   * Convolve with the filter of the forward conv whose input gradient this is: `filter` stored
   * [3,3,C,Cin] (C = this conv's output channels), rotated 180° with in/out swapped.
   */
  flip?: boolean;
  /** [Co], added to every output (FusedConv2D's bias, folded into the output transform). */
  bias?: tf.TensorInfo;
  /** Floats of V plus M per chunk; WINOGRAD_CHUNK_FLOATS unless a test forces small chunks. */
  chunkFloats?: number;
}

/**
 * 'same' 3×3 stride-1 conv by Winograd F(2×2,3×3): x [N,H,W,Ci] and filter [3,3,Ci,Co] (flip:
 * [3,3,Co,Ci], see WinogradConvOptions) → a new wasm tensor [N,H,W,Co]. The caller checks
 * winogradEligible. The work is done a chunk of whole images at a time so V and M stay in cache.
 */
export function winogradConv2d(backend: BackendWasm, x: tf.TensorInfo, filter: tf.TensorInfo, options: WinogradConvOptions = {}): tf.TensorInfo {
  const [N, H, W, Ci] = x.shape;
  const flip = options.flip ?? false;
  const Co = flip ? filter.shape[2] : filter.shape[3];
  const grid = tileGrid(H, W);
  const tilesPerImage = grid.TH * grid.TW;
  const chunkFloats = options.chunkFloats ?? WINOGRAD_CHUNK_FLOATS;
  const imagesPerChunk = Math.max(1, Math.min(N, Math.floor(chunkFloats / (16 * tilesPerImage * (Ci + Co)))));

  // U is a fresh tensor on every call: it is the GEMMs' right operand (see matMul).
  const U = make16(backend, Ci * Co);
  const V = make16(backend, imagesPerChunk * tilesPerImage * Ci);
  // Padding taps read Ci of these; a conv without bias adds Co of them.
  const zero = zeros(backend, Math.max(Ci, Co));
  const out = backend.makeOutput([N, H, W, Co], 'float32');
  try {
    filterTransform(heapF32(backend), floatOffset(backend, filter), Ci, Co, flip, offsetsOf(backend, U));
    const bias = floatOffset(backend, options.bias ?? zero);
    for (let n0 = 0; n0 < N; n0 += imagesPerChunk) {
      const nImg = Math.min(imagesPerChunk, N - n0);
      const tiles = nImg * tilesPerImage;
      inputTransform(heapF32(backend), floatOffset(backend, x), floatOffset(backend, zero), grid, Ci, n0, nImg, offsetsOf(backend, V));
      const M = V.map((v, k) => matMul(backend, v, tiles, Ci, U[k], Co));
      try {
        outputTransform(heapF32(backend), offsetsOf(backend, M), floatOffset(backend, out), bias, grid, Co, n0, nImg);
      } finally {
        free(backend, ...M);
      }
    }
  } catch (e) {
    free(backend, out);
    throw e;
  } finally {
    free(backend, ...U, ...V, zero);
  }
  return out;
}

/**
 * Filter chunk sizes measured for the filter gradient (batch 64): 1 Mi floats at 32×32 and above
 * (1.89× vs 1.45× with 4 Mi), where V and dM stay in cache; smaller images gain more from longer
 * GEMMs (their inner dimension is the chunk's tiles) at 4 Mi.
 */
export function filterGradChunkFloats(H: number, W: number): number {
  return H * W >= 32 * 32 ? 1 << 20 : 1 << 22;
}

/**
 * The filter gradient of the same conv by Winograd: x [N,H,W,Ci], dy [N,H,W,Co] → a new wasm
 * tensor dW [3,3,Ci,Co]. Per chunk: Vt_k [Ci,tiles] (input transform, transposed: wasm's MatMul
 * reaches XNNPACK only without transposes), dM_k = A dY Aᵀ [tiles,Co], dU_k += Vt_k · dM_k; then
 * dW = Gᵀ dU G. The caller checks winogradEligible.
 */
export function winogradFilterGrad(backend: BackendWasm, x: tf.TensorInfo, dy: tf.TensorInfo, chunkFloats?: number): tf.TensorInfo {
  const [N, H, W, Ci] = x.shape;
  const Co = dy.shape[3];
  const grid = tileGrid(H, W);
  const tilesPerImage = grid.TH * grid.TW;
  const floats = chunkFloats ?? filterGradChunkFloats(H, W);
  const imagesPerChunk = Math.max(1, Math.min(N, Math.floor(floats / (16 * tilesPerImage * (Ci + Co)))));
  const chunkTiles = imagesPerChunk * tilesPerImage;
  const CC = Ci * Co;

  const Vt = make16(backend, chunkTiles * Ci);
  const zero = zeros(backend, Co);
  const P = new Float32Array(4 * Ci * (2 * grid.TW + 2));
  const dU: tf.TensorInfo[] = [];
  const dW = backend.makeOutput([3, 3, Ci, Co], 'float32');
  try {
    for (let n0 = 0; n0 < N; n0 += imagesPerChunk) {
      const nImg = Math.min(imagesPerChunk, N - n0);
      const tiles = nImg * tilesPerImage;
      inputTransformTransposed(heapF32(backend), floatOffset(backend, x), grid, Ci, n0, nImg, tiles, offsetsOf(backend, Vt), P);
      // dM is the GEMMs' right operand: fresh tensors per chunk (see matMul).
      const dM = make16(backend, tiles * Co);
      let parts: tf.TensorInfo[] = [];
      try {
        outputGradTransform(heapF32(backend), floatOffset(backend, dy), floatOffset(backend, zero), grid, Co, n0, nImg, offsetsOf(backend, dM));
        parts = Vt.map((v, k) => matMul(backend, v, Ci, tiles, dM[k], Co));
      } finally {
        free(backend, ...dM);
      }
      if (n0 === 0) {
        // The first chunk's products become the accumulators.
        dU.push(...parts);
        continue;
      }
      const h = heapF32(backend);
      for (let k = 0; k < 16; k++) {
        const po = floatOffset(backend, parts[k]);
        const ao = floatOffset(backend, dU[k]);
        for (let i = 0; i < CC; i++) h[ao + i] += h[po + i];
      }
      free(backend, ...parts);
    }
    filterGradTransform(heapF32(backend), offsetsOf(backend, dU), floatOffset(backend, dW), CC);
  } catch (e) {
    free(backend, dW);
    throw e;
  } finally {
    free(backend, ...Vt, ...dU, zero);
  }
  return dW;
}
