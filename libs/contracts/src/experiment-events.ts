import type { ModelType } from './experiment-spec.schema';

// Every event of an experiment, as stored, streamed over socket.io and printed by `train --json`.
// `seq` increases by one per experiment, so clients merge history and live events by it.

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_CHOICES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export interface EpochSummary {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  seconds: number;
  samplesPerSec: number;
}

export interface TrainingResult {
  model: ModelType;
  params: number;
  testAccuracy: number; // 0..1
  testLoss: number;
  correct: number;
  testSamples: number;
  trainSamples: number;
  perClassAccuracy: number[];
  confusionMatrix: number[][]; // [actual][predicted]
  samplesPerSec: number;
  backend: BackendName;
  /** Threads that trained it: data-parallel replicas on wasm/cpu (TRAIN_THREADS), 1 on a native backend. Absent in runs of earlier versions. */
  threads?: number;
  seconds: number;
  epochs: EpochSummary[];
}

/**
 * Training progress within an epoch, at most a few a second: `batch` is the last batch trained
 * (1-based) of `batches`. Accuracies are fractions 0..1, losses mean cross-entropy per image.
 * Earlier versions sent one `accuracy` field, which carried what is now `runningAccuracy`; events
 * stored by them still have it (the dashboard reads either).
 */
export interface ProgressEvent {
  type: 'progress';
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** Loss of batch `batch` alone. */
  loss: number;
  /** Accuracy on batch `batch` alone (its correct predictions / its images, before that step's update). */
  batchAccuracy: number;
  /** Accuracy over the epoch so far: correct / images over batches 1..`batch` of this epoch. */
  runningAccuracy: number;
  samplesPerSec: number;
}

/**
 * What the trainer reports while it trains; the worker and CLI add id, seq and at. Not `completed`:
 * the trainer returns its result, and its caller (the worker's handler, the CLI) reports it.
 */
export type TrainingEvent =
  // warnings: what the student should know about the run's data (e.g. a non-canonical data set).
  // threads: how many threads train the run (data-parallel replicas on wasm/cpu; 1 on a native backend).
  | { type: 'started'; backend: BackendName; threads?: number; worker?: string; params: number; trainSamples: number; testSamples: number; epochs: number; batches: number; warnings?: string[] }
  // A retried run continues from its checkpoint: training restarts inside epoch `fromEpoch`, after
  // `fromBatch` of its batches (0: at its start). Epochs before it are not reported again.
  // trainedSeconds: the training time the checkpoint holds (earlier attempts' share of the run's
  // MAX_JOB_MINUTES); absent in events stored before it was reported.
  | { type: 'resumed'; fromEpoch: number; fromBatch: number; trainedSeconds?: number }
  | ProgressEvent
  | ({ type: 'epoch'; epochs: number } & EpochSummary);

/** What the worker (or the API) appends as a run's lifecycle moves; `completed` carries the result the trainer returned. */
export type LifecycleEvent =
  // position: place in the fair order (1 = next to start); estimatedStartAt (ISO time): only
  // where completed runs of the same model and data set give a duration to go by.
  | { type: 'queued'; position: number; estimatedStartAt?: string }
  | { type: 'completed'; result: TrainingResult }
  | { type: 'failed'; error: string }
  | { type: 'cancelled'; reason?: string };

export type ExperimentEventBody = TrainingEvent | LifecycleEvent;
export type ExperimentEventType = ExperimentEventBody['type'];
export type ExperimentEvent = ExperimentEventBody & { id: string; seq: number; at: string };
