/**
 * A metric about to be reported (an `epoch` event, or the result the caller reports as
 * `completed`) is NaN or ±Infinity: the JSON contract promises numbers there, and JSON would turn
 * it into null. Deterministic, like the divergence behind it: callers should not retry. In
 * libs/contracts so the worker classifies it by class without loading TF.js.
 */
export class NonFiniteMetricError extends Error {
  constructor(
    /** Where in the event, e.g. `epoch.testLoss` or `completed.result.confusionMatrix[3][1]`. */
    readonly field: string,
    readonly value: number,
  ) {
    super(`${field} is ${value}, not a finite number: the run diverged`);
    this.name = new.target.name;
  }
}
