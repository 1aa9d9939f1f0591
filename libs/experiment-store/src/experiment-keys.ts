// Every key of the store sits under `<prefix>:experiment...`; BullMQ's own keys are
// `<prefix>:<queue>:...`, so one prefix (QUEUE_PREFIX) isolates a deployment or a test.
export const experimentKeys = (prefix: string) => ({
  record: (id: string) => `${prefix}:experiment:${id}`,
  events: (id: string) => `${prefix}:experiment:${id}:events`,
  /** The training ms of each attempt at the run (hash: attempt id → ms), for its time limit. */
  attemptTimes: (id: string) => `${prefix}:experiment:${id}:attempt-ms`,
  /** All experiments by creation time (ms). */
  all: `${prefix}:experiments`,
  byOwner: (owner: string) => `${prefix}:experiments:owner:${owner}`,
  /** The owner's experiments in status `queued`: what the per-student queued limit counts. */
  queuedByOwner: (owner: string) => `${prefix}:experiments:owner:${owner}:queued`,
  /** `queuedByOwner(owner)` is this + owner + `:queued` (built inside Lua, which reads the owner). */
  ownerPrefix: `${prefix}:experiments:owner:`,
  recordPrefix: `${prefix}:experiment:`,
  /** Finished experiments by finish time (ms): what retention trims. */
  finished: `${prefix}:experiments:finished`,
});
export type ExperimentKeys = ReturnType<typeof experimentKeys>;

/** Redis pub/sub channel carrying the ids of experiments whose cancellation was requested. */
export const cancelChannel = (prefix: string) => `${prefix}:cancel`;
