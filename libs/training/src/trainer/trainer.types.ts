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
}

/** Thrown when the AbortSignal fires; training stops between batches with every tensor freed. */
export class TrainingCancelledError extends Error {
  constructor(reason = 'cancelled') {
    super(reason);
    this.name = 'TrainingCancelledError';
  }
}

export interface BackendSelection {
  backend: BackendName;
  reason: string;
  passedOver: { backend: BackendName; why: string }[];
}

/** The spec cannot train on its data (e.g. channels or image size do not fit): no retry can help. */
export class IncompatibleSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IncompatibleSpecError';
  }
}
