import type { BackendChoice, ExperimentSpec, TrainingEvent, TrainingResult } from '@trainyard/contracts';
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
    return { name: err.name, message: err.message, stack: err.stack, backendFault: err instanceof WebAssembly.RuntimeError };
  }
  return { name: 'Error', message: String(err), backendFault: false };
}

/** An Error carrying the original class name (e.g. IncompatibleSpecError), message and stack. */
export function reviveError(serialized: SerializedError): Error {
  const err = new Error(serialized.message);
  err.name = serialized.name;
  if (serialized.stack) err.stack = serialized.stack;
  return err;
}
