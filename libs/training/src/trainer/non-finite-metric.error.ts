// The class is defined in libs/contracts, so the worker's main process classifies it without loading TF.js.
export { NonFiniteMetricError } from '@trainyard/contracts';

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
