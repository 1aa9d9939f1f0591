import { DEFAULT_BACKENDS } from './bench-models';
import type { BackendName } from '@trainyard/contracts';
import { describeMachine, machineInfo, type MachineInfo } from './machine-info';
import { formatRate, markdownTable } from './markdown-table';
import { pytorchUnavailable, runPytorchThroughput, type PytorchRun } from './pytorch-throughput';
import { BENCH_BATCH, timeTrainingStep, useBackend, type BenchModel, type StepTiming } from './training-throughput';

export interface TrainingBenchOptions {
  /** Undefined: every available one of DEFAULT_BACKENDS. */
  backends?: BackendName[];
  models: BenchModel[];
  steps: number;
  vggSteps: number;
  warmup: number;
  maxSeconds: number;
  /** Undefined: do not run PyTorch. */
  python?: string;
  torchThreads: number;
}

export { DEFAULT_BACKENDS };

type Cell = StepTiming | { skipped: string };

export interface TrainingBenchResult {
  before: MachineInfo;
  loadavgAfter: number[];
  backends: ({ backend: BackendName; reason: string } | { backend: BackendName; unavailable: string })[];
  pytorch: Omit<PytorchRun, 'rows'> | { unavailable: string };
  rows: { model: BenchModel; batch: number; tfjs: Partial<Record<BackendName, Cell>>; pytorch?: StepTiming }[];
}

const CPU_VGG_SKIP = 'skipped: the pure-JS cpu backend trains convolutions ~400× slower than PyTorch, so one VGG step takes minutes';

/** TF.js on each backend, then PyTorch on the same models in the same run, so their ratio is comparable. */
export async function runTrainingBench(opts: TrainingBenchOptions, progress: (line: string) => void): Promise<TrainingBenchResult> {
  const before = machineInfo();
  progress(`machine: ${describeMachine(before)}`);
  const rows: TrainingBenchResult['rows'] = opts.models.map((model) => ({ model, batch: BENCH_BATCH[model], tfjs: {} }));
  const backends: TrainingBenchResult['backends'] = [];
  for (const backend of opts.backends ?? DEFAULT_BACKENDS) {
    const started = await useBackend(backend);
    if (!started.ok) {
      backends.push({ backend, unavailable: started.why });
      progress(`[${backend}] unavailable: ${started.why}`);
      continue;
    }
    backends.push({ backend, reason: started.reason });
    progress(`[${backend}] ${started.reason}`);
    for (const row of rows) {
      if (backend === 'cpu' && row.model === 'vgg16') {
        row.tfjs[backend] = { skipped: CPU_VGG_SKIP };
        progress(`[${backend}] vgg16: ${CPU_VGG_SKIP}`);
        continue;
      }
      const vgg = row.model === 'vgg16';
      const plan = { steps: vgg ? opts.vggSteps : opts.steps, warmup: vgg ? Math.min(opts.warmup, 1) : opts.warmup, maxSeconds: opts.maxSeconds };
      progress(`[${backend}] ${row.model}: up to ${plan.warmup} warm-up + ${plan.steps} timed steps (batch ${row.batch})`);
      const timing = timeTrainingStep(row.model, plan);
      row.tfjs[backend] = timing;
      progress(`[${backend}] ${row.model}: ${formatRate(timing.imgPerSec)} img/s (median of ${timing.steps} steps, ${timing.medianMs.toFixed(1)} ms/step)`);
    }
  }
  if (!backends.some((b) => 'reason' in b)) throw new Error(`no TF.js backend could run: ${backends.map((b) => `${b.backend}: ${'unavailable' in b ? b.unavailable : ''}`).join('; ')}`);

  let pytorch: TrainingBenchResult['pytorch'] = { unavailable: 'not requested (--no-pytorch)' };
  if (opts.python) {
    const why = pytorchUnavailable(opts.python);
    if (why) {
      pytorch = { unavailable: why };
      progress(`[pytorch] unavailable: ${why}`);
    } else {
      const run = await runPytorchThroughput(opts.python, {
        models: opts.models,
        steps: opts.steps,
        vggSteps: opts.vggSteps,
        warmup: opts.warmup,
        threads: opts.torchThreads,
      });
      pytorch = { torch: run.torch, threads: run.threads };
      for (const r of run.rows) {
        const row = rows.find((x) => x.model === r.model);
        if (row) row.pytorch = { steps: r.steps, medianMs: r.medianMs, imgPerSec: r.imgPerSec };
      }
    }
  }
  return { before, loadavgAfter: machineInfo().loadavg, backends, pytorch, rows };
}

export function formatTrainingBench(result: TrainingBenchResult): string {
  const measured = result.backends.filter((b) => 'reason' in b).map((b) => b.backend);
  const torch = 'torch' in result.pytorch ? result.pytorch : undefined;
  const header = [
    'model',
    'batch',
    ...measured.map((b) => `TF.js ${b} img/s`),
    ...(torch ? ['PyTorch img/s', ...measured.map((b) => `PyTorch ÷ ${b}`)] : []),
  ];
  const body = result.rows.map((row) => {
    const rate = (b: BackendName) => {
      const cell = row.tfjs[b];
      return cell && 'imgPerSec' in cell ? cell.imgPerSec : undefined;
    };
    // How many times faster PyTorch is: reads better than 0.0016 for the cpu backend's convs.
    const ratio = (b: BackendName) => {
      const tfjs = rate(b);
      return tfjs !== undefined && row.pytorch ? `${formatRate(row.pytorch.imgPerSec / tfjs)}×` : '-';
    };
    return [
      row.model,
      String(row.batch),
      ...measured.map((b) => formatRate(rate(b))),
      ...(torch ? [formatRate(row.pytorch?.imgPerSec), ...measured.map(ratio)] : []),
    ];
  });
  const notes: string[] = [];
  for (const b of result.backends) {
    if ('unavailable' in b) notes.push(`TF.js ${b.backend}: unavailable: ${b.unavailable}`);
    else notes.push(`TF.js ${b.backend}: ${b.reason}`);
  }
  for (const row of result.rows) {
    for (const [b, cell] of Object.entries(row.tfjs)) if (cell && 'skipped' in cell) notes.push(`TF.js ${b} ${row.model}: ${cell.skipped}`);
  }
  notes.push(torch ? `PyTorch ${torch.torch}, CPU, ${torch.threads} threads` : `PyTorch: ${'unavailable' in result.pytorch ? result.pytorch.unavailable : ''}`);
  notes.push('one step = forward + backward + SGD (lr 0.01, momentum 0.5) on a random batch; img/s = batch ÷ median step time');
  notes.push(`machine: ${describeMachine(result.before)}; load average after: ${result.loadavgAfter.join(' ')}`);
  const align = header.map((_, i): 'left' | 'right' => (i === 0 ? 'left' : 'right'));
  return [markdownTable(header, body, align), '', ...notes.map((n) => `- ${n}`)].join('\n');
}
