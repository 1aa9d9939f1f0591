import type { ExperimentStatus } from '@trainyard/contracts';

export type { ExperimentRecord, ExperimentStatus } from '@trainyard/contracts';

export const TERMINAL_STATUSES: ReadonlySet<ExperimentStatus> = new Set(['completed', 'failed', 'cancelled']);

export interface ListFilter {
  owner?: string;
  /** Newest first; at most this many (default 1000). */
  limit?: number;
}
