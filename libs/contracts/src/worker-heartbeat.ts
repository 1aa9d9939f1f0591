/**
 * What each worker publishes about itself every few seconds, as JSON under
 * `workerHeartbeatKey(prefix, name)` with a TTL of a few intervals: a worker whose key is gone
 * has stopped. `backendOk` is the outcome of the last real computation on its backend.
 */
export interface WorkerHeartbeat {
  /** The TF.js backend the worker trains on. */
  backend: string;
  backendOk: boolean;
  /** ISO time of that last backend check. */
  lastCheckedAt: string;
  /** The experiment it is training, if any. */
  currentJob: string | null;
}

export const workerHeartbeatKey = (prefix: string, workerName: string) => `${prefix}:workers:${workerName}`;
