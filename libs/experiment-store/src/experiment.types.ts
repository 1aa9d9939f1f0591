export type { ExperimentRecord, ExperimentStatus } from '@trainyard/contracts';

export interface ListFilter {
  owner?: string;
  /** Newest first; at most this many (default 1000). */
  limit?: number;
}
