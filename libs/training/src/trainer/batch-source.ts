import type { Batch } from '../data/batches';

/** Yields one epoch's batches each time it is called. */
export type BatchSource = () => Iterable<Batch>;
