/**
 * The spec cannot train on its data (channels, image size or transform settings do not fit): no
 * retry can help, so the worker fails the run at once. Thrown only by the checks that compare a
 * spec with its data, never for a failure of the backend. A RangeError, as the checks were before.
 */
export class IncompatibleSpecError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'IncompatibleSpecError';
  }
}
