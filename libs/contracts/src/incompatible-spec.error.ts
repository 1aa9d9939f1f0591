/**
 * The spec cannot train on its data (channels, image size or transform settings do not fit): no
 * retry can help, so the worker fails the run at once. Thrown only by the checks that compare a
 * spec with its data, never for a failure of the backend. A RangeError, as the checks were before.
 * In libs/contracts, not libs/training (which throws it), so the worker's main process classifies
 * it by class without loading TF.js.
 */
export class IncompatibleSpecError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
