import type { ExperimentEvent } from './experiment-events';

/** The events an attempt appends while it trains (not the lifecycle ones around it). */
const TRAINING_EVENTS: ReadonlySet<ExperimentEvent['type']> = new Set(['started', 'resumed', 'progress', 'epoch']);

/**
 * The time a run's attempts have trained so far, in ms, read from its stored history: for each
 * attempt, from its `started` to its last training event (`resumed`, `progress`, `epoch`), each
 * pair stamped by the one worker that ran the attempt, so clock skew between workers cancels.
 * An attempt cut short without a word (kill -9, a lost machine) counts up to its last stored
 * event: at most one progress interval is missed. Time waiting in the queue, between attempts,
 * is not counted. Events without a parseable `at` are skipped.
 */
export function attemptsTrainingMs(events: readonly ExperimentEvent[]): number {
  let total = 0;
  let start: number | undefined;
  let last: number | undefined;
  for (const event of events) {
    if (!TRAINING_EVENTS.has(event.type)) continue;
    const at = Date.parse(event.at);
    if (Number.isNaN(at)) continue;
    if (event.type === 'started') {
      if (start !== undefined && last !== undefined) total += Math.max(0, last - start);
      start = at;
    }
    last = at;
  }
  if (start !== undefined && last !== undefined) total += Math.max(0, last - start);
  return total;
}
