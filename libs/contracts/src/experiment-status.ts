import type { ExperimentEventType } from './experiment-events';
import { isTerminal, type ExperimentStatus } from './experiment-record';

/**
 * The status each event type puts a run in; null: the event leaves the status as it is. Written
 * out for every event type (the mapped type makes a new type a compile error here until it is given
 * one), so the rule below is total.
 */
const STATUS_SET_BY: { readonly [T in ExperimentEventType]: ExperimentStatus | null } = {
  queued: 'queued',
  started: 'running',
  resumed: null,
  progress: null,
  epoch: null,
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** Every event type, in the order above: for tables derived from the rule (the store's Lua). */
export const EXPERIMENT_EVENT_TYPES = Object.keys(STATUS_SET_BY) as ExperimentEventType[];

// A key per status: a status added to ExperimentStatus is a compile error here until listed.
const STATUS_KEYS: { readonly [S in ExperimentStatus]: true } = { queued: true, running: true, completed: true, failed: true, cancelled: true };

/** Every status a run can be in: for tables derived from the rule (the store's Lua). */
export const EXPERIMENT_STATUSES = Object.keys(STATUS_KEYS) as ExperimentStatus[];

/**
 * The one status rule: the status of a run in `status` after `event`. A finished run (terminal
 * status) stays as it is, whatever follows; otherwise the event's type sets the status, or leaves
 * it. `undefined` (nothing folded yet, as in the dashboard before its first event) stays undefined
 * until an event sets a status.
 *
 * Used by the experiment store (its append script's table is generated from this function) and by
 * the dashboard's fold of a history, so a record and a page never disagree on a run's status.
 */
export function applyEvent(status: ExperimentStatus, event: { type: ExperimentEventType }): ExperimentStatus;
export function applyEvent(status: ExperimentStatus | undefined, event: { type: ExperimentEventType }): ExperimentStatus | undefined;
export function applyEvent(status: ExperimentStatus | undefined, event: { type: ExperimentEventType }): ExperimentStatus | undefined {
  if (status !== undefined && isTerminal(status)) return status;
  return STATUS_SET_BY[event.type] ?? status;
}
