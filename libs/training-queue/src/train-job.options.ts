import type { JobsOptions } from 'bullmq';

/**
 * Options for every `JobName.TrainExperiment` job, applied by `TrainingQueue.enqueue` (with the
 * experiment id as job id: one job per experiment, findable and removable on cancel by that id).
 * - attempts/backoff: transient failures (Redis blip, a data download that failed) retry after
 *   5 s, then 10 s; bad input fails at once with UnrecoverableError, which skips the retries.
 * - removeOn*: BullMQ's copies are clean-up only; the experiment store keeps the record.
 */
export const trainJobOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const satisfies JobsOptions;
