import seedrandom from 'seedrandom';

export type Rng = () => number;

/**
 * The complete state of a SeededRng (seedrandom's ARC4: two indices and a 256-entry table):
 * plain JSON, so a checkpoint can store it and restoreRng() can continue the exact sequence.
 */
export interface RngState {
  i: number;
  j: number;
  S: number[];
}

/** A generator whose position can be saved and restored (for checkpoints). */
export interface SeededRng extends Rng {
  state(): RngState;
}

/** A deterministic generator: the same seed gives the same shuffles, crops and permutations. */
export function createRng(seed: number | string): SeededRng {
  return seedrandom(String(seed), { state: true }) as SeededRng;
}

/** A generator that continues exactly where the one whose state() gave `state` was. */
export function restoreRng(state: RngState): SeededRng {
  // seedrandom copies the state, so the caller's object stays untouched.
  return seedrandom('', { state: state as seedrandom.State.Arc4 }) as SeededRng;
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
