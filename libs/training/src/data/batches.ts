import { permutation, type Rng } from '../random';
import { imageSize, type ImageShape } from '../transforms/image-shape';
import { randomCropOffsets } from '../transforms/random-crop';
import { shouldFlip } from '../transforms/horizontal-flip';
import { compileTransforms, type TransformPlan, type TransformSettings } from '../transforms/transform-plan';
import type { ImageSet } from './dataset.types';

export interface Batch {
  /** n·H·W·C floats, NHWC, transformed and normalized. */
  x: Float32Array;
  y: Int32Array;
  n: number;
}

export interface BatchOptions {
  batchSize: number;
  /** PyTorch DataLoader shuffle=True: a fresh order from `rng` on every call (one call = one epoch). */
  shuffle: boolean;
  /** Drives the shuffle, crops and flips; pass the same one every epoch so each epoch differs. */
  rng: Rng;
  /** The spec's transforms + permutePixels, or a plan compiled once by compileTransforms(). */
  transforms: TransformSettings | TransformPlan;
  /** Random crop and flip apply to training only; permutation and normalize apply to both. */
  train: boolean;
  /**
   * This epoch's sample order, already drawn (null: file order). Given, `shuffle` draws nothing:
   * a resumed epoch replays the order its checkpoint saved.
   */
  order?: Int32Array | null;
  /** Batches of this epoch already trained before a checkpoint; iteration starts after them (default 0). */
  startBatch?: number;
  /**
   * Where batch `n` samples are written (default: fresh arrays per batch). The data-parallel
   * trainer passes views of its shared memory, so the one fused pass below is the only copy a
   * batch makes on its way to the replicas. The arrays must hold at least n·H·W·C and n values;
   * their contents are overwritten by the next batch.
   */
  into?: (n: number) => { x: Float32Array; y: Int32Array };
}

/** Batches per epoch, the last partial one included (drop_last=False). */
export function batchCount(samples: number, batchSize: number): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  return Math.ceil(samples / batchSize);
}

const isPlan = (t: TransformSettings | TransformPlan): t is TransformPlan => 'table' in t;

/**
 * One epoch of batches. Each batch gets its own arrays (the trainer may hand them to a tensor
 * without copying), or the ones `into` gives, and every sample is written in one pass: crop, flip, normalize and
 * permutation fused into the copy, with no allocation per sample.
 */
export function* iterateBatches(set: ImageSet, shape: ImageShape, options: BatchOptions): Generator<Batch> {
  const count = batchCount(set.count, options.batchSize);
  const size = imageSize(shape);
  if (set.images.length < set.count * size || set.labels.length < set.count) {
    throw new RangeError(`image set holds fewer bytes than ${set.count} samples of ${shape.height}×${shape.width}×${shape.channels}`);
  }
  const plan = isPlan(options.transforms) ? options.transforms : compileTransforms(options.transforms, shape);
  const order = options.order !== undefined ? options.order : options.shuffle ? permutation(set.count, options.rng) : null;
  if (order && order.length !== set.count) throw new RangeError(`sample order has ${order.length} entries, expected ${set.count}`);
  const writer = sampleWriter(plan, shape);
  const augment = options.train && (plan.padding > 0 || plan.flip);

  for (let b = options.startBatch ?? 0; b < count; b++) {
    const start = b * options.batchSize;
    const n = Math.min(options.batchSize, set.count - start);
    const { x, y } = options.into ? sized(options.into(n), n, size) : { x: new Float32Array(n * size), y: new Int32Array(n) };
    for (let i = 0; i < n; i++) {
      const sample = order ? order[start + i] : start + i;
      y[i] = set.labels[sample];
      let top = plan.padding;
      let left = plan.padding;
      let flip = false;
      if (augment) {
        if (plan.padding > 0) ({ top, left } = randomCropOffsets(plan.padding, options.rng));
        if (plan.flip) flip = shouldFlip(options.rng);
      }
      writer(set.images, sample * size, x, i * size, top, left, flip);
    }
    yield { x, y, n };
  }
}

function sized(buffers: { x: Float32Array; y: Int32Array }, n: number, size: number): { x: Float32Array; y: Int32Array } {
  if (buffers.x.length < n * size || buffers.y.length < n) throw new RangeError(`batch buffers hold fewer than ${n} samples`);
  return { x: buffers.x.subarray(0, n * size), y: buffers.y.subarray(0, n) };
}

type SampleWriter = (src: Uint8Array, from: number, out: Float32Array, to: number, top: number, left: number, flip: boolean) => void;

function sampleWriter(plan: TransformPlan, shape: ImageShape): SampleWriter {
  const { height: h, width: w, channels: c } = shape;
  if (plan.shape.height !== h || plan.shape.width !== w || plan.shape.channels !== c) {
    throw new RangeError('transform plan was compiled for another image shape');
  }
  const { table, permutation: perm, padding } = plan;
  const pixels = h * w;
  // Row and column of each pixel position the output reads, so the loop does no division.
  const rowOf = new Int32Array(pixels);
  const colOf = new Int32Array(pixels);
  for (let k = 0; k < pixels; k++) {
    const q = perm ? perm[k] : k;
    rowOf[k] = (q / w) | 0;
    colOf[k] = q % w;
  }

  return (src, from, out, to, top, left, flip) => {
    if (!perm && !flip && top === padding && left === padding) {
      // Identity geometry (test set, or no augmentation): a straight table look-up.
      if (c === 1) {
        for (let i = 0; i < pixels; i++) out[to + i] = table[src[from + i]];
      } else {
        for (let i = 0, n = pixels * c; i < n; i += c) {
          for (let ch = 0; ch < c; ch++) out[to + i + ch] = table[ch * 256 + src[from + i + ch]];
        }
      }
      return;
    }
    const dy = top - padding;
    const dx = left - padding;
    for (let k = 0; k < pixels; k++) {
      const sy = rowOf[k] + dy;
      const sx = (flip ? w - 1 - colOf[k] : colOf[k]) + dx;
      const o = to + k * c;
      if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
        for (let ch = 0; ch < c; ch++) out[o + ch] = table[ch * 256]; // zero padding
      } else {
        const s = from + (sy * w + sx) * c;
        for (let ch = 0; ch < c; ch++) out[o + ch] = table[ch * 256 + src[s + ch]];
      }
    }
  };
}
