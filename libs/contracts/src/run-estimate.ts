import type { ValidationIssue } from './experiment-request';
import { testSampleCount, trainSampleCount } from './dataset-sizes';
import { imageShape, type ExperimentSpec, type ModelType } from './experiment-spec.schema';
import { forwardFlopsPerSample, TRAINING_FLOPS_PER_FORWARD } from './model-layers';

// A run's cost before it is queued: its FLOPs, counted from the spec (model-layers.ts), over the
// throughput the workers measured on completed runs. Browser-safe: the API computes it, and the CLI
// and dashboard describe it with describeEstimate.

/**
 * What the workers measured for one model type on one backend: the effective FLOP/s of completed
 * runs (runFlops of the images they really loaded ÷ the run's wall time on the worker, data
 * loading, test passes and checkpoints included), smoothed over runs. Resumed attempts, which did
 * only part of the work in their time, are not measured.
 */
export interface ThroughputMeasurement {
  model: ModelType;
  /** The TF.js backend the runs trained on (`wasm`, `tensorflow`, …). */
  backend: string;
  /** Exponentially smoothed FLOP/s (weight of a new run: THROUGHPUT_SMOOTHING). */
  flopsPerSec: number;
  /** How many runs the value is made of. */
  runs: number;
  /** ISO time of the last run measured. */
  updatedAt: string;
}

/** How much a newly measured run moves the smoothed FLOP/s (an exponential moving average). */
export const THROUGHPUT_SMOOTHING = 0.3;

/** A run's work, in FLOPs: `epochs` × (`samples` × training FLOPs per sample + `testSamples` × forward FLOPs). */
export interface RunWork {
  /** Training FLOPs per training image: TRAINING_FLOPS_PER_FORWARD × the forward pass. */
  flopsPerSample: number;
  /** Forward FLOPs per image: what a test image costs. */
  forwardFlopsPerSample: number;
  /** Training images per epoch. */
  samples: number;
  /** Test images, evaluated after every epoch. */
  testSamples: number;
  epochs: number;
  /** The whole run. */
  flops: number;
}

/**
 * The FLOPs of a run: by default on the images the spec names (trainSampleCount, testSampleCount);
 * a worker passes the images it really loaded (a server's set may be smaller than the canonical one).
 */
export function runWork(spec: ExperimentSpec, samples = trainSampleCount(spec), testSamples = testSampleCount(spec)): RunWork {
  const forward = forwardFlopsPerSample(spec.model, imageShape(spec.dataset, spec.model.type));
  const flopsPerSample = TRAINING_FLOPS_PER_FORWARD * forward;
  return { flopsPerSample, forwardFlopsPerSample: forward, samples, testSamples, epochs: spec.epochs, flops: spec.epochs * (samples * flopsPerSample + testSamples * forward) };
}

/**
 * A run's estimated time on a worker, and what it rests on:
 * - `measured`: this model's measured FLOP/s on `backend`;
 * - `rough`: no worker has measured this model on the backends at hand, so the fastest FLOP/s
 *   measured there for another model (`fromModel`) stands in. Optimistic on purpose: a run
 *   refused on it is over the limit even at the best speed seen on that backend;
 * - `none`: no measurement at all on those backends: no time (`seconds: null`), and the class's
 *   time limit is not applied (MAX_SAMPLE_EPOCHS_PER_JOB still is).
 */
export type RunEstimate = RunWork &
  (
    | {
        basis: 'measured' | 'rough';
        seconds: number;
        backend: string;
        flopsPerSec: number;
        /** ISO time of the measurement used. */
        measuredAt: string;
        /** Runs behind the measurement. */
        runs: number;
        /** `rough` only: the model whose throughput stands in. */
        fromModel?: ModelType;
      }
    | { basis: 'none'; seconds: null; reason: string }
  );

export const NO_MEASUREMENT = 'no worker has measured this yet';

/**
 * Estimates a run on the fastest of `backends` (the live workers' backends; empty: no worker is
 * live, so every backend ever measured is considered): a run is refused by the time limit only if
 * no worker could finish it in time. Pure, so the API, tests and tools agree.
 */
export function estimateRun(spec: ExperimentSpec, measurements: readonly ThroughputMeasurement[], backends: readonly string[]): RunEstimate {
  const work = runWork(spec);
  const usable = measurements.filter((m) => m.flopsPerSec > 0 && (backends.length === 0 || backends.includes(m.backend)));
  const fastest = (list: ThroughputMeasurement[]) => list.reduce<ThroughputMeasurement | undefined>((best, m) => (!best || m.flopsPerSec > best.flopsPerSec ? m : best), undefined);
  const own = fastest(usable.filter((m) => m.model === spec.model.type));
  const basis = own ? 'measured' : 'rough';
  const chosen = own ?? fastest(usable);
  if (!chosen) return { ...work, basis: 'none', seconds: null, reason: NO_MEASUREMENT };
  return {
    ...work,
    basis,
    seconds: work.flops / chosen.flopsPerSec,
    backend: chosen.backend,
    flopsPerSec: chosen.flopsPerSec,
    measuredAt: chosen.updatedAt,
    runs: chosen.runs,
    ...(basis === 'rough' ? { fromModel: chosen.model } : {}),
  };
}

/** Whether an estimate is over a limit of `maxMinutes`; an estimate without a time never is. */
export const overTimeLimit = (estimate: RunEstimate, maxMinutes: number) => estimate.seconds !== null && estimate.seconds > maxMinutes * 60;

/** A duration in words for people: `40 s`, `12 min`, `2 h 05 min`, `3 d 4 h`. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/**
 * An estimate in one line, as the CLI and the dashboard show it: `about 12 min (measured on wasm)`,
 * `about 3 h 10 min (rough: from other models on wasm)`, or `no worker has measured this yet`.
 */
export function describeEstimate(estimate: RunEstimate): string {
  if (estimate.basis === 'none') return estimate.reason;
  const how = estimate.basis === 'measured' ? `measured on ${estimate.backend}` : `rough: from other models on ${estimate.backend}`;
  return `about ${formatDuration(estimate.seconds)} (${how})`;
}

/** The body of `POST /api/experiments/estimate`: what submitting this spec now would meet. */
export interface EstimateBody {
  estimate: RunEstimate;
  /** The class's MAX_JOB_MINUTES; null for an admin, who is exempt. */
  maxJobMinutes: number | null;
  /** The class's per-job bounds this spec breaks (the 400 a submission would get); empty when none. */
  issues: ValidationIssue[];
}
