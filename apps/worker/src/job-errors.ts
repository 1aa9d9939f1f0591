import { UnrecoverableError } from 'bullmq';
// From contracts, not @trainyard/training: this process never trains, and must not load TF.js to classify.
import { DatasetUnavailableError, IncompatibleSpecError, NonFiniteLossError, NonFiniteMetricError, SpecValidationError } from '@trainyard/contracts';
import { ExperimentNotFoundError } from '@trainyard/experiment-store';

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
  /** The attempt's training passed the job's `maxMinutes` (MAX_JOB_MINUTES): record `failed`, no retry. */
  TimeLimit: 'time-limit',
} as const;
export type AbortReason = (typeof AbortReason)[keyof typeof AbortReason];

/**
 * Errors that no retry can fix, so the job fails at once (UnrecoverableError): a spec that does
 * not fit its data (IncompatibleSpecError from the trainer's shape check), a run that diverged
 * (NonFiniteLossError, NonFiniteMetricError: the same spec and seed diverge again), a stored
 * spec that fails the shared schema (SpecValidationError: the handler parses every stored spec
 * before training it, so one stored by an older version is checked again), an experiment that is
 * not in the store, and a data set this server cannot train on (DatasetUnavailableError: missing
 * and not downloadable, or damaged), which waits for a TA, not for a retry. Classified by class
 * (instanceof), never by message or a hand-typed name: an error from the training process
 * arrives revived as its class (reviveError). A crashed backend is BackendCrashedError, handled
 * apart (retried without using an attempt). Everything else (Redis blips, a file read that
 * failed) is retried with backoff.
 */
// Any class that instanceof accepts, abstract or with a protected constructor (DatasetUnavailableError).
const UNRECOVERABLE: readonly { [Symbol.hasInstance](value: unknown): boolean }[] = [
  IncompatibleSpecError,
  NonFiniteLossError,
  NonFiniteMetricError,
  SpecValidationError,
  ExperimentNotFoundError,
  UnrecoverableError,
  DatasetUnavailableError,
];

export function isUnrecoverable(err: unknown): boolean {
  return UNRECOVERABLE.some((cls) => err instanceof cls);
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
