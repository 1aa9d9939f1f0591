import type { BackendName, ExperimentEvent, ExperimentStatus, ProgressEvent, TrainedOn, TrainingResult } from '@trainyard/contracts';
import { applyEvent } from '@trainyard/contracts';

/** A curve as two equal-length arrays (what uPlot plots). */
export interface Series {
  x: number[];
  y: number[];
}

export interface RunProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** The last reported batch's own loss and accuracy. */
  loss: number;
  batchAccuracy?: number;
  /** Accuracy over the epoch so far (the running mean). */
  runningAccuracy: number;
  samplesPerSec: number;
  /** 0..1 over the whole run. */
  fraction: number;
}

export interface RunCurves {
  /** Per batch (progress events); x is epochs elapsed, fractional, so runs of any batch size align. */
  batchLoss: Series;
  /** The reported batch's own accuracy (absent from events stored by earlier versions). */
  batchAccuracy: Series;
  /** Accuracy over the epoch so far at each report: it restarts with every epoch. */
  runningAccuracy: Series;
  /** Per epoch (epoch events); x is the epoch number. */
  trainLoss: Series;
  testLoss: Series;
  trainAccuracy: Series;
  testAccuracy: Series;
}

export interface RunState {
  status?: ExperimentStatus;
  position?: number;
  backend?: BackendName;
  worker?: string;
  params?: number;
  /** The images the run loaded (its last `started` event): what it is judged on before its result. */
  loaded?: TrainedOn;
  /** What the student should know about the run's data, e.g. a set that is not the canonical one (the `started` event's). */
  warnings?: string[];
  progress?: RunProgress;
  curves: RunCurves;
  result?: TrainingResult;
  error?: string;
  /** Set when the run continued from a checkpoint: where its last attempt took up training. */
  resumedFrom?: { epoch: number; batch: number };
  /** Events folded so far and the last seq: equal when the log has no gap. */
  count: number;
  lastSeq: number;
}

const series = (): Series => ({ x: [], y: [] });
const emptyCurves = (): RunCurves => ({
  batchLoss: series(),
  batchAccuracy: series(),
  runningAccuracy: series(),
  trainLoss: series(),
  testLoss: series(),
  trainAccuracy: series(),
  testAccuracy: series(),
});
const push = (s: Series, x: number, y: number) => {
  s.x.push(x);
  s.y.push(y);
};

/** Folds an experiment's events (in seq order) into what the pages show. */
export function foldEvents(events: readonly ExperimentEvent[]): RunState {
  const state: RunState = { curves: emptyCurves(), count: events.length, lastSeq: events.at(-1)?.seq ?? 0 };
  for (const e of events) {
    // The one status rule (contracts), the one the store applies to the record.
    state.status = applyEvent(state.status, e);
    switch (e.type) {
      case 'queued':
        state.position = e.position;
        break;
      case 'started':
        // A second `started` is another attempt (after a lost worker, a shutdown or a retry). It
        // resumes from the run's checkpoint, or trains again from the start, and the store keeps
        // only what goes past the history so far: the curves go on, each point once.
        state.backend = e.backend;
        state.worker = e.worker;
        state.params = e.params;
        state.loaded = { trainSamples: e.trainSamples, testSamples: e.testSamples };
        state.warnings = e.warnings?.length ? e.warnings : undefined;
        state.position = undefined;
        break;
      case 'resumed':
        state.resumedFrom = { epoch: e.fromEpoch, batch: e.fromBatch };
        break;
      case 'progress': {
        const x = e.epoch - 1 + e.batch / e.batches;
        const accuracy = accuraciesOf(e);
        push(state.curves.batchLoss, x, e.loss);
        if (accuracy.batchAccuracy !== undefined) push(state.curves.batchAccuracy, x, accuracy.batchAccuracy);
        push(state.curves.runningAccuracy, x, accuracy.runningAccuracy);
        const done = (e.epoch - 1) * e.batches + e.batch;
        const { epoch, epochs, batch, batches, loss, samplesPerSec } = e;
        state.progress = { epoch, epochs, batch, batches, loss, samplesPerSec, ...accuracy, fraction: Math.min(1, done / (e.epochs * e.batches)) };
        break;
      }
      case 'epoch':
        push(state.curves.trainLoss, e.epoch, e.trainLoss);
        push(state.curves.testLoss, e.epoch, e.testLoss);
        push(state.curves.trainAccuracy, e.epoch, e.trainAccuracy);
        push(state.curves.testAccuracy, e.epoch, e.testAccuracy);
        break;
      case 'completed':
        state.result = e.result;
        state.backend = e.result.backend;
        state.params = e.result.params;
        if (state.progress) state.progress = { ...state.progress, fraction: 1 };
        break;
      case 'failed':
        state.error = e.error;
        break;
      case 'cancelled':
        state.error = e.reason;
        break;
    }
  }
  return state;
}

/**
 * A progress event's two accuracies. Events stored by earlier versions carry one `accuracy`, which
 * was the epoch's running mean: it is read as runningAccuracy, and they have no batch accuracy.
 */
function accuraciesOf(e: ProgressEvent | (Omit<ProgressEvent, 'batchAccuracy' | 'runningAccuracy'> & { accuracy: number })) {
  if ('runningAccuracy' in e) return { batchAccuracy: e.batchAccuracy, runningAccuracy: e.runningAccuracy };
  return { batchAccuracy: undefined, runningAccuracy: e.accuracy };
}
