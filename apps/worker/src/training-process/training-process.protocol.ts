// Contracts only, no value from @trainyard/training: both processes load this, and the training
// process must load TF.js and its backends only through the trainer module it is given.
import {
  DatasetUnavailableError,
  datasetUnavailable,
  type BackendChoice,
  type DatasetUnavailableReason,
  type ExperimentSpec,
  type FileDatasetName,
  type TrainingEvent,
  type TrainingResult,
} from '@trainyard/contracts';
import type { BackendSelection, TrainOptions } from '@trainyard/training';

// Messages between a worker and the training process it forks per job (IPC with Node's
// "advanced" serialization, i.e. structured clone: typed arrays and Maps pass, functions do not).

/** TrainOptions minus what cannot cross a process boundary; every other field is forwarded as is. */
export type ForwardedTrainOptions = Omit<TrainOptions, 'signal' | 'onEvent' | 'log'>;

/** An error as it crosses the boundary: its class name is kept, so the worker classifies by class. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
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
      ...(err instanceof DatasetUnavailableError ? { datasetUnavailable: { dataset: err.dataset, reason: err.reason, adminDetail: err.adminDetail } } : {}),
    };
  }
  return { name: 'Error', message: String(err), backendFault: false };
}

/**
 * A DatasetUnavailableError is revived as its own subclass (DatasetMissingError,
 * DatasetDamagedError); any other error as an Error carrying the original class name (e.g.
 * IncompatibleSpecError), message and stack.
 */
export function reviveError(serialized: SerializedError): Error {
  const unavailable = serialized.datasetUnavailable;
  const err = unavailable ? datasetUnavailable(unavailable.dataset, unavailable.reason, unavailable.adminDetail) : new Error(serialized.message);
  if (!unavailable) err.name = serialized.name;
  if (serialized.stack) err.stack = serialized.stack;
  return err;
}
