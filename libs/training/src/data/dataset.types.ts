import type { DatasetName } from '@trainyard/contracts';
import type { DownloadProgress } from './download';

/** Images as bytes (0..255), NHWC, row-major: image i starts at i * height * width * channels. */
export interface ImageSet {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

export interface Dataset {
  name: DatasetName;
  height: number;
  width: number;
  channels: number;
  classNames: string[];
  train: ImageSet;
  test: ImageSet;
  /**
   * What a student should know about the set, naming no server path: e.g. that it is not the
   * canonical one (see nonCanonicalWarning). The trainer passes them on in its `started` event.
   */
  warnings?: string[];
}

/** Sample counts of a set's two splits. */
export interface SplitCounts {
  train: number;
  test: number;
}

/**
 * The warning for a set whose sizes differ from the canonical one's (a class subset, a sample),
 * or none: results on it are not comparable with the published numbers.
 */
export function nonCanonicalWarning(label: string, counts: SplitCounts, canonical: SplitCounts): string[] {
  if (counts.train === canonical.train && counts.test === canonical.test) return [];
  const n = (v: number) => v.toLocaleString('en-US');
  return [
    `This server's ${label} is not the canonical set: ${n(counts.train)} train / ${n(counts.test)} test images ` +
      `instead of ${n(canonical.train)} / ${n(canonical.test)}, so results are not comparable with the published ones.`,
  ];
}

export interface LoadOptions {
  /** Server-side data directory (never from a student's request). */
  dataDir: string;
  /** Download canonical files when missing (default true); a failed download is a clear error. */
  download?: boolean;
  /** For `synthetic`: the image shape to generate (defaults to 28×28×1). */
  shape?: { height: number; width: number; channels: number };
  /** Caps on samples kept (first N of the fixed split). */
  limit?: number;
  testLimit?: number;
  seed?: number;
  signal?: AbortSignal;
  log?: (message: string) => void;
  /** Byte progress of a download the load makes (the CLI's progress bar). */
  onDownloadProgress?: DownloadProgress;
}

/** Thrown for every unusable data file: names the file and what is wrong with it. */
export class DatasetError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'DatasetError';
  }
}
