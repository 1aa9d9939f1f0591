// From contracts, not @trainyard/training: this process never trains, and must not load TF.js to classify.
import { DatasetUnavailableError } from '@trainyard/contracts';

// Why a job's AbortSignal fired: the processor acts on the reason, not on the error the trainer throws.
export const AbortReason = {
  /** A user asked to cancel: record `cancelled`, complete the job. */
  Cancel: 'cancel-requested',
  /** This worker is shutting down: put the job back in the queue for another worker. */
  Shutdown: 'worker-shutdown',
  /** The record finished elsewhere (cancelled while queued): stop quietly. */
  RecordFinished: 'record-finished',
  /** BullMQ could not renew the job's lock: another worker may run it now. Stop, store nothing. */
  LockLost: 'lock-lost',
} as const;
export type AbortReason = (typeof AbortReason)[keyof typeof AbortReason];

/**
 * Errors that no retry can fix, so the job fails at once (UnrecoverableError): a spec that does
 * not fit its data (IncompatibleSpecError from the trainer's shape check), a run that diverged
 * (NonFiniteLossError, NonFiniteMetricError: the same spec and seed diverge again), a stored
 * spec that fails the shared schema, an experiment that is not in the store. Classified by the
 * error's class name, which survives the trip from the training process (ForkedTrainer), never
 * by its message. A data set this server cannot train on (DatasetUnavailableError: missing and not
 * downloadable, or damaged; revived as its own class by reviveError) waits for a TA, not for a
 * retry. A crashed backend is
 * BackendCrashedError, handled apart (retried without using an attempt). Everything else (Redis
 * blips, a file read that failed) is retried with backoff.
 */
const UNRECOVERABLE_NAMES = new Set([
  'IncompatibleSpecError',
  'NonFiniteLossError',
  'NonFiniteMetricError',
  'ZodError',
  'SpecValidationError',
  'ExperimentNotFoundError',
  'UnrecoverableError',
]);

export function isUnrecoverable(err: unknown): boolean {
  return err instanceof DatasetUnavailableError || (err instanceof Error && UNRECOVERABLE_NAMES.has(err.name));
}

/**
 * What a TA should know about a failure and students must not see (server paths, what is wrong,
 * the command that fixes it): a DatasetUnavailableError's `adminDetail`, kept across the
 * training process by serializeError/reviveError. Undefined for any other error.
 */
export function adminDetail(err: unknown): string | undefined {
  return err instanceof DatasetUnavailableError && err.adminDetail ? err.adminDetail : undefined;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
