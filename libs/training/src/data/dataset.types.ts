import type { DatasetName } from '@trainyard/contracts';

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
