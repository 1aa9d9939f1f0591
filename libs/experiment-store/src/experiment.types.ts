import type { BackendName, ExperimentSpec, TrainingResult } from '@trainyard/contracts';

export type ExperimentStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export const TERMINAL_STATUSES: ReadonlySet<ExperimentStatus> = new Set(['completed', 'failed', 'cancelled']);

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
}

export interface ListFilter {
  owner?: string;
  /** Newest first; at most this many (default 1000). */
  limit?: number;
}
