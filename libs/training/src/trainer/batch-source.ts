/** A batch ready for upload: normalized NHWC floats and integer labels. */
export interface Batch {
  x: Float32Array;
  y: Int32Array;
  n: number;
}

/** Yields one epoch's batches each time it is called. */
export type BatchSource = () => Iterable<Batch>;
