/** Thrown when training's AbortSignal fires; training stops between batches with every tensor freed. */
export class TrainingCancelledError extends Error {
  constructor(reason = 'cancelled') {
    super(reason);
    this.name = new.target.name;
  }
}
