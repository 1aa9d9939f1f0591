import { IncompatibleSpecError } from '../incompatible-spec.error';
import type { ExperimentSpec } from '@trainyard/contracts';
import type { ImageShape } from './image-shape';
import { normalizationTable } from './normalize';
import { pixelPermutation } from './pixel-permutation';

/** The spec's `transforms` and `permutePixels`, loosely typed so tests and the CLI can pass partial objects. */
export interface TransformSettings {
  transforms?: {
    randomCrop?: { padding: number };
    horizontalFlip?: boolean;
    normalize?: { mean: readonly number[]; std: readonly number[] };
  };
  permutePixels?: ExperimentSpec['permutePixels'];
}

/**
 * Everything per run precomputed once, so the per-sample copy is table look-ups only.
 * Order (torchvision then the course): random crop, horizontal flip (train only), ToTensor +
 * Normalize, then the pixel permutation, which the course applies to each batch after the loader.
 */
export interface TransformPlan {
  shape: ImageShape;
  /** out pixel k takes the transformed pixel perm[k]; null when not permuting. */
  permutation: Int32Array | null;
  /** Random-crop padding; 0 means no crop. */
  padding: number;
  flip: boolean;
  /** normalizationTable(): float value of (channel, byte). */
  table: Float32Array;
}

export function compileTransforms(settings: TransformSettings, shape: ImageShape): TransformPlan {
  const t = settings.transforms ?? {};
  const padding = t.randomCrop?.padding ?? 0;
  if (!Number.isInteger(padding) || padding < 0) throw new IncompatibleSpecError(`random crop padding must be a non-negative integer, got ${padding}`);
  const seed = settings.permutePixels;
  return {
    shape: { height: shape.height, width: shape.width, channels: shape.channels },
    permutation: seed === undefined || seed === false ? null : pixelPermutation(seed, shape),
    padding,
    flip: t.horizontalFlip ?? false,
    table: normalizationTable(shape.channels, t.normalize),
  };
}
