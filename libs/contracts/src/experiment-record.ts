import type { BackendName, TrainingResult } from './experiment-events';
import type { ExperimentSpec } from './experiment-spec.schema';

export type ExperimentStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

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
}
