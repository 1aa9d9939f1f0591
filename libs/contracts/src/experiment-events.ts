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
  seconds: number;
  epochs: EpochSummary[];
}

/** What the trainer reports; the worker and CLI add id, seq and at. */
export type TrainingEvent =
  | { type: 'started'; backend: BackendName; worker?: string; params: number; trainSamples: number; testSamples: number; epochs: number; batches: number }
  // A retried run continues from its checkpoint: training restarts inside epoch `fromEpoch`, after
  // `fromBatch` of its batches (0: at its start). Epochs before it are not reported again.
  | { type: 'resumed'; fromEpoch: number; fromBatch: number }
  | { type: 'progress'; epoch: number; epochs: number; batch: number; batches: number; loss: number; accuracy: number; samplesPerSec: number }
  | ({ type: 'epoch'; epochs: number } & EpochSummary)
  | { type: 'completed'; result: TrainingResult };

export type LifecycleEvent =
  // position: place in the fair order (1 = next to start); estimatedStartAt (ISO time): only
  // where completed runs of the same model and data set give a duration to go by.
  | { type: 'queued'; position: number; estimatedStartAt?: string }
  | { type: 'failed'; error: string }
  | { type: 'cancelled'; reason?: string };

export type ExperimentEventBody = TrainingEvent | LifecycleEvent;
export type ExperimentEventType = ExperimentEventBody['type'];
export type ExperimentEvent = ExperimentEventBody & { id: string; seq: number; at: string };

export const TERMINAL_EVENT_TYPES: ReadonlySet<ExperimentEventType> = new Set(['completed', 'failed', 'cancelled']);
