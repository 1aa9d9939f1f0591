import type { BackendName, ExperimentEventType, TrainingResult } from './experiment-events';
import type { ExperimentSpec } from './experiment-spec.schema';
import type { RunEstimate } from './run-estimate';

export type ExperimentStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

// The statuses a run never leaves. Each is also the type of the event that puts a run in it, so
// this one list answers for statuses and for event types (the `satisfies` keeps that true).
const TERMINAL = ['completed', 'failed', 'cancelled'] as const satisfies readonly (ExperimentStatus & ExperimentEventType)[];
export type TerminalStatus = (typeof TERMINAL)[number];
export const TERMINAL_STATUSES: ReadonlySet<ExperimentStatus> = new Set<ExperimentStatus>(TERMINAL);

/** Whether a status, or the type of an event, ends a run: `completed`, `failed` or `cancelled`. */
export function isTerminal(statusOrEventType: ExperimentStatus | ExperimentEventType): statusOrEventType is TerminalStatus {
  return (TERMINAL as readonly string[]).includes(statusOrEventType);
}

/**
 * The characters and length an experiment id may have, as regex source without anchors, for
 * patterns that embed an id (a dashboard path). The store makes `crypto.randomUUID()` ids, which
 * fit; anything else is answered like an unknown id, and never reaches a Redis key or a file path.
 */
export const EXPERIMENT_ID_SOURCE = '[A-Za-z0-9_-]{1,64}';
const EXPERIMENT_ID = new RegExp(`^${EXPERIMENT_ID_SOURCE}$`);
export const isExperimentId = (value: unknown): value is string => typeof value === 'string' && EXPERIMENT_ID.test(value);

/** The 8-character id the dashboard and `trainyard list` show; any unique prefix is accepted back. */
export const shortId = (id: string) => id.slice(0, 8);

/** A whole id as the store makes it (`crypto.randomUUID()`), as regex source without anchors, for patterns that find one in text; match it case-insensitively. */
export const WHOLE_EXPERIMENT_ID_SOURCE = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** A whole id as the store makes it (`crypto.randomUUID()`, any case): a client may use it as is, with no look-up. */
export const WHOLE_EXPERIMENT_ID = new RegExp(`^${WHOLE_EXPERIMENT_ID_SOURCE}$`, 'i');

/** An experiment as stored: spec, owner, status, timestamps and result. */
export interface ExperimentRecord {
  id: string;
  owner: string;
  spec: ExperimentSpec;
  status: ExperimentStatus;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  result?: TrainingResult;
  error?: string;
  worker?: string;
  backend?: BackendName;
  /** The seq of the last event appended (0: none yet). */
  lastSeq: number;
  suite?: string;
  cancelRequested?: boolean;
  /** Set by the owner or an admin (PATCH /api/experiments/{id}); absent until then. */
  tags?: string[];
  note?: string;
  /** For TAs only, never sent to students: what to do about a failure (e.g. how to install a missing data set). */
  adminNote?: string;
}

/** An experiment as the HTTP API shows it: the record, plus its place in the fair-share queue. */
export interface ExperimentView extends ExperimentRecord {
  /** 1 = next to start; only while queued. */
  position?: number;
  /** ISO time, where finished runs of the same kind give a basis. */
  estimatedStartAt?: string;
  /** In the answer to a submission only: how long the run is estimated to take, and on what basis. */
  estimate?: RunEstimate;
}
