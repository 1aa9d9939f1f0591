import type { BackendName } from '@trainyard/contracts';
import { trainSamplesFor } from './bench-figures';
import { DEFAULT_BACKENDS } from './bench-models';
import { measureExperimentThroughput } from './experiment-throughput';
import { describeMachine, machineInfo } from './machine-info';
import { formatRate } from './markdown-table';
import { pytorchUnavailable, runPytorchThroughput, type PytorchRun } from './pytorch-throughput';
import { measureQueueOverhead, QUEUE_OVERHEAD_MODEL } from './queue-overhead';
import { profileTrainingStep } from './step-profile';
import type { Failed, TrainingBenchResult, TrainingBenchRow } from './training-bench-format';
import { BENCH_BATCH, timeTrainingStep, useBackend, type BenchModel, type StepPlan } from './training-throughput';

export { formatTrainingBench, type TrainingBenchResult } from './training-bench-format';
export { DEFAULT_BACKENDS };

export interface TrainingBenchOptions {
  /** Undefined: every available one of DEFAULT_BACKENDS. The first that runs is the primary. */
  backends?: BackendName[];
  models: BenchModel[];
  steps: number;
  vggSteps: number;
  warmup: number;
  maxSeconds: number;
  /** The "all threads" count, for TF.js (TrainOptions.threads) and PyTorch alike. */
  threads: number;
  /** Each trainExperiment run is sized to train about this long with `threads` (at least 3 batches). */
  trainSeconds: number;
  /** Profile each model's step by phase on the primary backend. */
  profile: boolean;
  /** Undefined: do not run PyTorch. */
  python?: string;
  /**
   * Undefined: skip the queue overhead; `seconds`: about how long each of its runs trains;
   * `rounds`: how many bare/queued pairs it takes (the headline is their fractions' median).
   */
  queueOverhead?: { seconds: number; rounds: number };
}

/** A cnn rate to size the queue-overhead run by when this run measured none (2-core wasm, 2026-11). */
const FALLBACK_CNN_IMG_PER_SEC = 5000;
const CPU_VGG_SKIP = 'skipped: the pure-JS cpu backend trains convolutions hundreds of times slower than PyTorch (see its cnn and cifar-cnn rows), so one VGG step takes minutes';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Everything `npm run bench` reports, one thing at a time so that nothing measured shares the
 * cores with anything else of the bench's: per backend, each model's step (1 thread); on the
 * primary backend also its profile and trainExperiment with 1 thread and with `threads`; then
 * PyTorch with 1 thread and with `threads`; then the queue-overhead run. `onStop` gets the
 * queue stack's clean-up as soon as there is one, for Ctrl-C.
 */
export async function runTrainingBench(
  opts: TrainingBenchOptions,
  progress: (line: string) => void,
  onStop: (stop: () => Promise<void>) => void = () => {},
): Promise<TrainingBenchResult> {
  const before = machineInfo();
  progress(`machine: ${describeMachine(before)}`);
  const rows: TrainingBenchRow[] = opts.models.map((model) => ({ model, batch: BENCH_BATCH[model], tfjs: {}, train: {}, pytorch: {} }));
  const backends: TrainingBenchResult['backends'] = [];
  let primary: BackendName | undefined;
  for (const backend of opts.backends ?? DEFAULT_BACKENDS) {
    const started = await useBackend(backend);
    if (!started.ok) {
      backends.push({ backend, unavailable: started.why });
      progress(`[${backend}] unavailable: ${started.why}`);
      continue;
    }
    backends.push({ backend, reason: started.reason });
    progress(`[${backend}] ${started.reason}`);
    primary ??= backend;
    for (const row of rows) {
      if (backend === 'cpu' && row.model === 'vgg16') {
        row.tfjs[backend] = { skipped: CPU_VGG_SKIP };
        progress(`[${backend}] vgg16: ${CPU_VGG_SKIP}`);
        continue;
      }
      const vgg = row.model === 'vgg16';
      const plan: StepPlan = { steps: vgg ? opts.vggSteps : opts.steps, warmup: vgg ? Math.min(opts.warmup, 1) : opts.warmup, maxSeconds: opts.maxSeconds };
      progress(`[${backend}] ${row.model}: up to ${plan.warmup} warm-up + ${plan.steps} timed steps (batch ${row.batch})`);
      const timing = timeTrainingStep(row.model, plan);
      row.tfjs[backend] = timing;
      progress(`[${backend}] ${row.model}: ${formatRate(timing.imgPerSec)} img/s (median of ${timing.steps} steps, ${timing.medianMs.toFixed(1)} ms/step)`);
      if (backend !== primary) continue;
      if (opts.profile) {
        try {
          row.profile = profileTrainingStep(row.model, plan);
          const p = row.profile;
          progress(`[${backend}] ${row.model} profile (ms/step): data ${p.dataMs.toFixed(2)}, forward ${p.forwardMs.toFixed(2)}, backward ${p.backwardMs.toFixed(2)}, optimizer ${p.optimizerMs.toFixed(2)}`);
        } catch (err) {
          row.profile = { failed: message(err) };
          progress(`[${backend}] ${row.model} profile failed: ${message(err)}`);
        }
      }
      // Sized so that the run with every thread trains about trainSeconds: the 1-thread run then takes longer.
      const samples = trainSamplesFor(timing.imgPerSec * opts.threads, opts.trainSeconds, row.batch);
      for (const [key, threads] of [['one', 1], ['all', opts.threads]] as const) {
        if (key === 'all' && opts.threads === 1) {
          row.train.all = row.train.one;
          continue;
        }
        progress(`[${backend}] ${row.model}: trainExperiment, ${samples.toLocaleString('en-US')} synthetic samples, ${threads} thread(s)`);
        // The trainer's log says how it used the threads (replicas started, or the option ignored).
        const log = (line: string) => progress(`[${backend}] ${row.model}: ${line}`);
        row.train[key] = await measureExperimentThroughput(row.model, { samples, threads, backend }, log).catch((err): Failed => ({ failed: message(err) }));
        const run = row.train[key]!;
        progress(`[${backend}] ${row.model}: ${'failed' in run ? `failed: ${run.failed}` : `${formatRate(run.samplesPerSec)} samples/s (threads reported: ${run.threads ?? 'none'})`}`);
      }
    }
  }
  if (!primary) throw new Error(`no TF.js backend could run: ${backends.map((b) => `${b.backend}: ${'unavailable' in b ? b.unavailable : ''}`).join('; ')}`);

  let pytorch: TrainingBenchResult['pytorch'] = { unavailable: 'not requested (--no-pytorch)' };
  const why = opts.python ? pytorchUnavailable(opts.python) : undefined;
  if (why) {
    pytorch = { unavailable: why };
    progress(`[pytorch] unavailable: ${why}`);
  } else if (opts.python) {
    const runs: PytorchRun[] = [];
    for (const threads of [...new Set([1, opts.threads])]) {
      progress(`[pytorch] ${threads} thread(s)`);
      runs.push(await runPytorchThroughput(opts.python, { models: opts.models, steps: opts.steps, vggSteps: opts.vggSteps, warmup: opts.warmup, threads }));
    }
    pytorch = { torch: runs[0].torch, threads: runs.map((r) => r.threads) };
    for (const row of rows) {
      const pick = (run: PytorchRun) => {
        const r = run.rows.find((x) => x.model === row.model);
        return r && { steps: r.steps, medianMs: r.medianMs, imgPerSec: r.imgPerSec };
      };
      row.pytorch = { one: pick(runs[0]), all: pick(runs.at(-1)!) };
    }
  }

  let queueOverhead: TrainingBenchResult['queueOverhead'] = { skipped: 'not asked for (--no-queue-overhead)' };
  if (opts.queueOverhead) {
    const cnn = rows.find((r) => r.model === QUEUE_OVERHEAD_MODEL);
    const measured = cnn?.train.all && 'samplesPerSec' in cnn.train.all ? cnn.train.all.samplesPerSec : undefined;
    try {
      queueOverhead = await measureQueueOverhead(
        { backend: primary, threads: opts.threads, imgPerSec: measured ?? FALLBACK_CNN_IMG_PER_SEC, seconds: opts.queueOverhead.seconds, rounds: opts.queueOverhead.rounds },
        progress,
        onStop,
      );
    } catch (err) {
      queueOverhead = { failed: message(err) };
      progress(`[queue overhead] failed: ${message(err)}`);
    }
  }
  return { before, loadavgAfter: machineInfo().loadavg, threads: opts.threads, primary, backends, pytorch, rows, queueOverhead };
}
