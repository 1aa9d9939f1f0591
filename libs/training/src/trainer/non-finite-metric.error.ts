/**
 * A metric about to be reported (an `epoch` or `completed` event) is NaN or ±Infinity: the JSON
 * contract promises numbers there, and JSON would turn it into null. Deterministic, like the
 * divergence behind it: callers should not retry.
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

/** The path of the first number in `value` that is not finite, or null when all are. */
export function findNonFinite(value: unknown, at: string): { field: string; value: number } | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : { field: at, value };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findNonFinite(value[i], `${at}[${i}]`);
      if (hit) return hit;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const hit = findNonFinite(v, `${at}.${k}`);
      if (hit) return hit;
    }
  }
  return null;
}
