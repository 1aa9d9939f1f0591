import type { BackendName, TrainingEvent } from '@trainyard/contracts';

export interface TrainOptions {
  /** Where `mnist` / `cifar10` files live (server configuration). */
  dataDir: string;
  download?: boolean;
  signal?: AbortSignal;
  /** Called for every event; awaited, so a slow consumer slows training rather than losing events. */
  onEvent?: (event: TrainingEvent) => void | Promise<void>;
  /** Minimum milliseconds between `progress` events (default 250). */
  progressIntervalMs?: number;
  /** Directory to save the trained model in TF.js format (model.json + weights.bin). */
  saveTo?: string;
  /** The backend name to report; defaults to what TF.js is running (set from `initBackend`). */
  backend?: BackendName;
  /** Name put in the `started` event. */
  worker?: string;
  log?: (message: string) => void;
  /**
   * Checkpoints in `dir` (one per run; see checkpoint.ts). Written at the end of every epoch but
   * the last, and when `signal` aborts: between two training batches, or during the test pass
   * (the resumed run then evaluates that epoch); when `dir` already holds one of the same
   * spec, the run resumes from it (a `resumed` event) and ends exactly as an uninterrupted run
   * would. One of another spec throws CheckpointMismatchError. The caller deletes it with
   * deleteCheckpoint() once the run's outcome is stored.
   */
  checkpoint?: { dir: string };
  /**
   * Threads that train the run together, data-parallel (default 1: this thread alone). Above 1,
   * on the wasm or cpu backend, each batch is split across this thread and `threads − 1` worker
   * threads, each with its own TF.js, and their gradients averaged (see data-parallel/replica-pool.ts,
   * which also says how BatchNorm statistics are kept). Deterministic for a given seed and thread
   * count; without BatchNorm equal to one thread's run up to float rounding. Ignored, with one log
   * line, on the native backends (tensorflow, tensorflow-gpu), which use every core already.
   */
  threads?: number;
}

// Defined in libs/contracts, so the worker and the CLI classify it by class without loading TF.js.
export { TrainingCancelledError } from '@trainyard/contracts';

export interface BackendSelection {
  backend: BackendName;
  reason: string;
  passedOver: { backend: BackendName; why: string }[];
}

export { IncompatibleSpecError } from '../incompatible-spec.error';
