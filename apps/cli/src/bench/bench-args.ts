import { InvalidArgumentError } from 'commander';
import { integer } from '../commands/spec-options';

// The `trainyard bench` option parsers, apart from the command so they can be tested alone.

/** A comma-separated subset of `choices`, trimmed and without repeats. */
export function listOf<T extends string>(choices: readonly T[]) {
  return (value: string): T[] => {
    const items = value.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = items.filter((s) => !(choices as readonly string[]).includes(s));
    if (bad.length || !items.length) throw new InvalidArgumentError(`expected a comma-separated list of ${choices.join(', ')}`);
    return [...new Set(items)] as T[];
  };
}

export function positive(value: string): number {
  const n = integer(value);
  if (n < 1) throw new InvalidArgumentError(`expected a whole number ≥ 1, got "${value}"`);
  return n;
}

/** "1,2" → [1, 2], ascending, so extra API instances start only after the runs without them. */
export function instanceList(value: string): number[] {
  const items = value.split(',').map((s) => s.trim());
  if (!items.length || items.some((s) => s !== '1' && s !== '2')) throw new InvalidArgumentError('expected 1, 2 or 1,2');
  return [...new Set(items.map(Number))].sort((a, b) => a - b);
}

/**
 * `--threads`: 1..cores, or "all" for every core. More threads than cores would measure the
 * threads' contention for the cores, not what the hardware can do.
 */
export function threadCount(cores: number) {
  return (value: string): number => {
    if (value.trim() === 'all') return cores;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > cores) {
      throw new InvalidArgumentError(`expected 1..${cores} (the cores available) or "all", got "${value}"`);
    }
    return n;
  };
}

/**
 * The most `--queue-rounds`: each round is two runs of about `--queue-seconds` (default 20) plus
 * their data and process start, ~40 s; 10 rounds already add ~7 minutes to the bench, and a typo
 * (30 for 3) would add twenty.
 */
export const MAX_QUEUE_ROUNDS = 10;

/** `--queue-rounds`: how many bare/queued pairs the queue overhead takes, 1..MAX_QUEUE_ROUNDS. */
export function queueRounds(value: string): number {
  const n = Number(value);
  // Number('') is 0, refused with the rest.
  if (!Number.isInteger(n) || n < 1 || n > MAX_QUEUE_ROUNDS) {
    throw new InvalidArgumentError(`expected a whole number of bare/queued pairs, 1..${MAX_QUEUE_ROUNDS}, got "${value}"`);
  }
  return n;
}
