import type { ExperimentView } from '@trainyard/contracts';
import type { RunState } from './run-state';

/**
 * How often a run list asks GET /api/experiments again while one of its runs is queued: the
 * positions the API computes move as runs ahead start (the class queue page polls as often).
 */
export const QUEUED_REFRESH_MS = 3000;

/** The list's refresh period: QUEUED_REFRESH_MS while any run waits, `idleMs` otherwise. */
export const listRefreshMs = (records: readonly Pick<ExperimentView, 'status'>[] | undefined, idleMs: number) =>
  records?.some((r) => r.status === 'queued') ? Math.min(idleMs, QUEUED_REFRESH_MS) : idleMs;

/**
 * The queue position to show for a run, undefined once it is not queued. The list's position (the
 * API's fair-share order at its last refresh) is current; a `queued` event's is where the run
 * stood when it was queued or raised, so it only fills in before the list has one.
 */
export function queuePosition(record: Pick<ExperimentView, 'status' | 'position'>, state?: Pick<RunState, 'status' | 'position'>): number | undefined {
  if ((state?.status ?? record.status) !== 'queued') return undefined;
  return record.position ?? state?.position;
}
