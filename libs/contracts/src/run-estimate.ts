import type { ValidationIssue } from './experiment-request';
import { testSampleCount, trainSampleCount } from './dataset-sizes';
import { imageShape, type ExperimentSpec, type ModelType } from './experiment-spec.schema';
import { forwardFlopsPerSample, TRAINING_FLOPS_PER_FORWARD } from './model-layers';

// A run's cost before it is queued: its FLOPs, counted from the spec (model-layers.ts), over the
// throughput the workers measured on completed runs. Browser-safe: the API computes it, and the CLI
// and dashboard describe it with describeEstimate.

/**
 * What the workers measured for one model type on one backend at one batch size: the training
 * FLOP/s of completed runs (TRAINING_FLOPS_PER_FORWARD × forward FLOPs per image × the trainer's
 * `samplesPerSec`, i.e. training images × epochs over the training seconds: process start-up,
 * data loading, test passes and checkpoints excluded), smoothed over runs. Keyed by batch size
 * because per-step overhead makes a small batch train far fewer images a second (cifar10-cnn at
 * batch 1: about a sixth of its batch-64 rate), so one unusual run must not move the others'
 * figure. Resumed attempts, which did only part of the work, are not measured.
 */
export interface ThroughputMeasurement {
  model: ModelType;
  /** The TF.js backend the runs trained on (`wasm`, `tensorflow`, …). */
  backend: string;
  /** The training batch of the runs (RunWork.batchSize: the spec's, or all the images when fewer). */
  batchSize: number;
  /** Exponentially smoothed training FLOP/s (weight of a new run: THROUGHPUT_SMOOTHING). */
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
  /** Images per training step: the spec's batchSize, or all of `samples` when there are fewer (one step an epoch). */
  batchSize: number;
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
  const batchSize = Math.max(1, Math.min(spec.batchSize, samples));
  return { flopsPerSample, forwardFlopsPerSample: forward, samples, testSamples, epochs: spec.epochs, batchSize, flops: spec.epochs * (samples * flopsPerSample + testSamples * forward) };
}

/**
 * Below the smallest measured batch b_min, a run's rate is the measured one × (b ÷ b_min)^this.
 * Measured here on wasm between batch 1 and 64: about 0.40 for the course CNN, 0.65 for
 * cifar-cnn. 1 (the same time per step) made mnist-cnn at batch 1 an estimated 46 min for a run of
 * 3.6; 0.5 sits between the two. The estimate need not bound the time from above: the worker stops
 * a run that passes MAX_JOB_MINUTES (apps/worker's handler, TrainJobData.maxMinutes).
 */
export const SMALL_BATCH_EXPONENT = 0.5;

/**
 * A run's estimated time on a worker, and what it rests on:
 * - `measured`: this model's measured FLOP/s on `backend`;
 * - `rough`: no worker has measured this model on the backends at hand, so the fastest FLOP/s
 *   measured there for another model (`fromModel`) stands in. It can be wrong either way (a
 *   bigger conv net keeps the cores busier than a small CNN and reaches more FLOP/s; a dense
 *   model, fewer), yet the time limit applies to it: one run of each course model on a new
 *   deployment replaces it with a measurement;
 * - `none`: no measurement at all on those backends: no time (`seconds: null`), and the class's
 *   time limit is not applied (MAX_SAMPLE_EPOCHS_PER_JOB still is).
 * `measured` and `rough` take the rate at the run's batch b from that model's and backend's
 * measurements at several batches: between two measured batches, log-log interpolation (`otherBatch`
 * is the second; `measuredBatch` the nearer by ratio); below the smallest, SMALL_BATCH_EXPONENT;
 * above the largest, the largest's rate (a bigger batch amortises the per-step overhead more, but
 * by how much is not measured). Monotonic in b: a bigger batch is never estimated slower per
 * image, since each measured rate is first capped by those of bigger batches (a noisy small-batch
 * figure never raises a bigger batch's estimate). `flopsPerSec` is the rate applied.
 */
export type RunEstimate = RunWork &
  (
    | {
        basis: 'measured' | 'rough';
        seconds: number;
        backend: string;
        flopsPerSec: number;
        /** The batch size of the measurement used, the nearer one when interpolated (`batchSize` is the run's). */
        measuredBatch: number;
        /** When the rate is interpolated between two measured batches: the other one. */
        otherBatch?: number;
        /** ISO time of the measurement `measuredBatch`. */
        measuredAt: string;
        /** Runs behind that measurement. */
        runs: number;
        /** `rough` only: the model whose throughput stands in. */
        fromModel?: ModelType;
      }
    | { basis: 'none'; seconds: null; reason: string }
  );

export const NO_MEASUREMENT = 'no worker has measured this yet';

/** Measurements applied to a run batch: the FLOP/s they stand for there (see RunEstimate). */
interface Applied {
  m: ThroughputMeasurement;
  other?: number;
  flopsPerSec: number;
}

/** How far apart two batch sizes are, by ratio: 32 is as near 64 as 128 is. */
const batchDistance = (a: number, b: number) => Math.abs(Math.log(a / b));

/** The rate of one (backend, model)'s measurements at `batchSize` (RunEstimate). */
function rateAt(list: readonly ThroughputMeasurement[], batchSize: number): Applied {
  const sorted = [...list].sort((a, b) => a.batchSize - b.batchSize);
  // Capped from above, so the rate never falls as the batch grows.
  const rate = sorted.map((m) => m.flopsPerSec);
  for (let i = rate.length - 2; i >= 0; i--) rate[i] = Math.min(rate[i], rate[i + 1]);
  const hi = sorted.findIndex((m) => m.batchSize >= batchSize);
  if (hi === 0) return { m: sorted[0], flopsPerSec: rate[0] * (batchSize / sorted[0].batchSize) ** SMALL_BATCH_EXPONENT };
  if (hi < 0) return { m: sorted.at(-1)!, flopsPerSec: rate.at(-1)! };
  if (sorted[hi].batchSize === batchSize) return { m: sorted[hi], flopsPerSec: rate[hi] };
  const lo = hi - 1;
  const t = Math.log(batchSize / sorted[lo].batchSize) / Math.log(sorted[hi].batchSize / sorted[lo].batchSize);
  const flopsPerSec = Math.exp(Math.log(rate[lo]) + t * (Math.log(rate[hi]) - Math.log(rate[lo])));
  const [near, far] = batchDistance(batchSize, sorted[lo].batchSize) < batchDistance(batchSize, sorted[hi].batchSize) ? [lo, hi] : [hi, lo];
  return { m: sorted[near], other: sorted[far].batchSize, flopsPerSec };
}

/** For each (backend, model) in `list`, its rate at `batchSize` (rateAt). */
function atBatch(list: readonly ThroughputMeasurement[], batchSize: number): Applied[] {
  const groups = new Map<string, ThroughputMeasurement[]>();
  for (const m of list) groups.set(`${m.backend}/${m.model}`, [...(groups.get(`${m.backend}/${m.model}`) ?? []), m]);
  return [...groups.values()].map((group) => rateAt(group, batchSize));
}

/**
 * Estimates a run on the fastest of `backends` (the live workers' backends; empty: no worker is
 * live, so every backend ever measured is considered): a run is refused by the time limit only if
 * no worker could finish it in time. Each backend is judged by its rate at the run's batch
 * (RunEstimate). Pure, so the API, tests and tools agree.
 */
export function estimateRun(spec: ExperimentSpec, measurements: readonly ThroughputMeasurement[], backends: readonly string[]): RunEstimate {
  const work = runWork(spec);
  const usable = measurements.filter((m) => m.flopsPerSec > 0 && m.batchSize > 0 && (backends.length === 0 || backends.includes(m.backend)));
  const fastest = (list: Applied[]) => list.reduce<Applied | undefined>((best, a) => (!best || a.flopsPerSec > best.flopsPerSec ? a : best), undefined);
  const own = fastest(atBatch(usable.filter((m) => m.model === spec.model.type), work.batchSize));
  const basis = own ? 'measured' : 'rough';
  const chosen = own ?? fastest(atBatch(usable, work.batchSize));
  if (!chosen) return { ...work, basis: 'none', seconds: null, reason: NO_MEASUREMENT };
  return {
    ...work,
    basis,
    seconds: work.flops / chosen.flopsPerSec,
    backend: chosen.m.backend,
    flopsPerSec: chosen.flopsPerSec,
    measuredBatch: chosen.m.batchSize,
    ...(chosen.other !== undefined ? { otherBatch: chosen.other } : {}),
    measuredAt: chosen.m.updatedAt,
    runs: chosen.m.runs,
    ...(basis === 'rough' ? { fromModel: chosen.m.model } : {}),
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
 * `about 3 h 10 min (rough: from other models on wasm)`, or `no worker has measured this yet`;
 * when the measurements' batches are not the run's, which they were: `about 1 h 51 min (measured on
 * wasm at batch 64, extrapolated to batch 1)`, `… (measured on wasm at batches 1 and 64,
 * interpolated for batch 8)`, `… (measured on wasm at batch 64, used for batch 256)`.
 */
export function describeEstimate(estimate: RunEstimate): string {
  if (estimate.basis === 'none') return estimate.reason;
  const { measuredBatch: from, otherBatch: other, batchSize: to } = estimate;
  const how = estimate.basis === 'measured' ? `measured on ${estimate.backend}` : `rough: from other models on ${estimate.backend}`;
  const at = estimate.basis === 'measured' ? ' at' : ', measured at';
  let batch = '';
  if (other !== undefined) batch = `${at} batches ${Math.min(from, other)} and ${Math.max(from, other)}, interpolated for batch ${to}`;
  else if (from !== to) batch = `${at} batch ${from}, ${to < from ? 'extrapolated to' : 'used for'} batch ${to}`;
  return `about ${formatDuration(estimate.seconds)} (${how}${batch})`;
}

/** The body of `POST /api/experiments/estimate`: what submitting this spec now would meet. */
export interface EstimateBody {
  estimate: RunEstimate;
  /** The class's MAX_JOB_MINUTES; null for an admin, who is exempt. */
  maxJobMinutes: number | null;
  /** The class's per-job bounds this spec breaks (the 400 a submission would get); empty when none. */
  issues: ValidationIssue[];
}
