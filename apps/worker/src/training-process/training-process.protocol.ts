// Contracts and the store's error classes, no value from @trainyard/training: both processes
// load this, and the training process must load TF.js and its backends only through the trainer
// module it is given.
import {
  CheckpointMismatchError,
  DatasetUnavailableError,
  IncompatibleSpecError,
  NonFiniteLossError,
  NonFiniteMetricError,
  TrainingCancelledError,
  datasetUnavailable,
  type BackendChoice,
  type DatasetUnavailableReason,
  type ExperimentSpec,
  type FileDatasetName,
  type TrainingEvent,
  type TrainingResult,
} from '@trainyard/contracts';
import { ExperimentNotFoundError, FencedOutError } from '@trainyard/experiment-store';
import type { BackendSelection, TrainOptions } from '@trainyard/training';

// Messages between a worker and the training process it forks per job (IPC with Node's
// "advanced" serialization, i.e. structured clone: typed arrays and Maps pass, functions do not).

/** TrainOptions minus what cannot cross a process boundary; every other field is forwarded as is. */
export type ForwardedTrainOptions = Omit<TrainOptions, 'signal' | 'onEvent' | 'log'>;

/** An error as it crosses the boundary: its class name is kept, so reviveError revives its class. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** The error's own fields of plain values (NonFiniteLossError's epoch, batch and loss, …). */
  fields?: Record<string, string | number | boolean>;
  /** The training process saw a backend runtime fault (WebAssembly.RuntimeError), checked by instanceof there. */
  backendFault: boolean;
  /**
   * A DatasetUnavailableError (missing or damaged set): enough to revive the same subclass, so the
   * worker classifies it by class; `adminDetail` is for TAs only (paths, the command that fixes it).
   */
  datasetUnavailable?: { dataset: FileDatasetName; reason: DatasetUnavailableReason; adminDetail: string };
}

export type ToTrainingProcess =
  | { type: 'train'; spec: ExperimentSpec; options: ForwardedTrainOptions; backend: BackendChoice; trainerModule?: string }
  | { type: 'probe'; backend: BackendChoice; trainerModule?: string }
  | { type: 'abort'; reason: string }
  /** The worker stored event `n` (or failed to: then `error`); the trainer may go on. */
  | { type: 'event-ack'; n: number; error?: SerializedError };

export type FromTrainingProcess =
  | { type: 'event'; n: number; event: TrainingEvent }
  | { type: 'log'; message: string }
  | { type: 'result'; result: TrainingResult }
  | { type: 'probe-result'; selection: BackendSelection }
  | { type: 'error'; error: SerializedError };

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    return {
      name: err.name,
      message: err.message,
      stack: err.stack,
      backendFault: err instanceof WebAssembly.RuntimeError,
      fields: plainFields(err),
      ...(err instanceof DatasetUnavailableError ? { datasetUnavailable: { dataset: err.dataset, reason: err.reason, adminDetail: err.adminDetail } } : {}),
    };
  }
  return { name: 'Error', message: String(err), backendFault: false };
}

/**
 * The training's errors that the worker (or a training process, for an acknowledgement's error)
 * acts on by class: revived as their own class, found by the class's own `name` (every one sets
 * `name` from its constructor), never a hand-typed string.
 */
const REVIVED_CLASSES: readonly (new (...args: never[]) => Error)[] = [
  IncompatibleSpecError,
  NonFiniteLossError,
  NonFiniteMetricError,
  TrainingCancelledError,
  CheckpointMismatchError,
  // The store's, thrown by the worker's onEvent: the event's acknowledgement carries it to the
  // training process, whose trainer lets it go, so it comes back in the process's answer.
  FencedOutError,
  ExperimentNotFoundError,
];
const REVIVED_BY_NAME: ReadonlyMap<string, (typeof REVIVED_CLASSES)[number]> = new Map(REVIVED_CLASSES.map((c) => [c.name, c]));

function plainFields(err: Error): Record<string, string | number | boolean> {
  const fields: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(err)) if (['string', 'number', 'boolean'].includes(typeof value)) fields[key] = value as string | number | boolean;
  return fields;
}

/**
 * A DatasetUnavailableError is revived as its own subclass (DatasetMissingError,
 * DatasetDamagedError); an error of REVIVED_CLASSES as its own class, with its own plain fields
 * (its constructor is not run: the message is the one the training process made); any other
 * error as an Error carrying the original class name, message and stack.
 */
export function reviveError(serialized: SerializedError): Error {
  const unavailable = serialized.datasetUnavailable;
  if (unavailable) {
    const err = datasetUnavailable(unavailable.dataset, unavailable.reason, unavailable.adminDetail);
    if (serialized.stack) err.stack = serialized.stack;
    return err;
  }
  const known = REVIVED_BY_NAME.get(serialized.name);
  const err: Error = known ? Object.assign(Object.create(known.prototype) as Error, serialized.fields) : new Error();
  err.message = serialized.message;
  err.name = serialized.name;
  if (serialized.stack) err.stack = serialized.stack;
  return err;
}
