import seedrandom from 'seedrandom';

export type Rng = () => number;

/** A deterministic generator: the same seed gives the same shuffles, crops and permutations. */
export function createRng(seed: number | string): Rng {
  return seedrandom(String(seed));
}

/** Fisher–Yates shuffle of 0..n-1. */
export function permutation(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
