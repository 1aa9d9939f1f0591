/**
 * The training loss became NaN or ±Infinity: the run has diverged (e.g. a learning rate far too
 * high, or inputs scaled to extremes) and every later number would be garbage. The same spec and
 * seed diverge again on a retry, so callers should not retry it. In libs/contracts so the worker
 * classifies it by class without loading TF.js.
 */
export class NonFiniteLossError extends Error {
  constructor(
    /** 1-based epoch of the first non-finite loss. */
    readonly epoch: number,
    /** 1-based batch of that epoch. */
    readonly batch: number,
    /** The loss read back (NaN, Infinity or -Infinity). */
    readonly loss: number,
  ) {
    super(`the training loss became ${loss} at epoch ${epoch}, batch ${batch}: the run diverged (learning rate too high, or inputs scaled to extremes)`);
    this.name = new.target.name;
  }
}
