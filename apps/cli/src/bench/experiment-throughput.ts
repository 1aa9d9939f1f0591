import * as os from 'node:os';
import type { BackendName, ExperimentSpec, TrainingEvent } from '@trainyard/contracts';
import { trainExperiment, type TrainOptions } from '@trainyard/training';
import type { BenchModel } from './bench-models';
import { warmRate, type BatchMark } from './bench-figures';
import { benchSpec, reportedThreads } from './bench-spec';

/** One run of trainExperiment, as the bench reports it. */
export interface ExperimentRun {
  /** The `threads` passed to trainExperiment. */
  requestedThreads: number;
  /** What the trainer reported using (its started event or result); undefined when it did not say. */
  threads?: number;
  samples: number;
  epochs: number;
  /**
   * Warm training samples per second of a one-epoch run (bench-figures' warmRate: its last two
   * thirds, from its progress reports); the result's whole-run rate for a longer run or one with
   * too few reports.
   */
  samplesPerSec: number;
  /** The result's samplesPerSec: all training samples ÷ training seconds (warm-up included, the test pass not). */
  wholeRunSamplesPerSec: number;
  /** Wall seconds of the whole run, data generation and test pass included. */
  seconds: number;
}

/**
 * Trains `spec` through trainExperiment in this process, on the current TF.js backend (reported
 * as `backend`), with `threads` (TrainOptions.threads: 1 = this thread, more = data-parallel
 * replicas where the trainer supports it). Synthetic data only: nothing is read from disk.
 */
export async function trainForThroughput(
  spec: ExperimentSpec,
  opts: { threads: number; backend: BackendName },
  log?: (line: string) => void,
): Promise<Pick<ExperimentRun, 'samplesPerSec' | 'wholeRunSamplesPerSec' | 'seconds' | 'threads'>> {
  let started: TrainingEvent | undefined;
  const marks: BatchMark[] = [];
  let batches = 0;
  // A variable, not a literal: `threads` type-checks against a TrainOptions that has it or not.
  const options: TrainOptions & { threads: number } = {
    dataDir: os.tmpdir(), // synthetic data reads nothing from it
    backend: opts.backend,
    threads: opts.threads,
    log,
    // Frequent reports: the marks warmRate measures between (a report costs one read of the loss).
    progressIntervalMs: 100,
    onEvent: (e) => {
      if (e.type === 'started') started = e;
      if (e.type === 'progress') {
        marks.push({ at: performance.now(), batch: e.batch });
        batches = e.batches;
      }
    },
  };
  const result = await trainExperiment(spec, options);
  return {
    // One epoch only: the marks' batch numbers restart each epoch, and the test pass between
    // epochs is not training time.
    samplesPerSec: (spec.epochs === 1 ? warmRate(marks, batches, spec.batchSize) : undefined) ?? result.samplesPerSec,
    wholeRunSamplesPerSec: result.samplesPerSec,
    seconds: result.seconds,
    threads: reportedThreads(started, result),
  };
}

/** One epoch of `samples` synthetic samples of `model` (benchSpec), through trainForThroughput. */
export async function measureExperimentThroughput(
  model: BenchModel,
  opts: { samples: number; threads: number; backend: BackendName },
  log?: (line: string) => void,
): Promise<ExperimentRun> {
  const spec = benchSpec(model, opts.samples);
  const run = await trainForThroughput(spec, opts, log);
  return { requestedThreads: opts.threads, samples: opts.samples, epochs: spec.epochs, ...run };
}
