import type { BackendName } from '@trainyard/contracts';
import { formatFraction, formatRatio, goalCell, queueGoalCell, ratio } from './bench-figures';
import type { BenchModel } from './bench-models';
import type { ExperimentRun } from './experiment-throughput';
import { describeMachine, type MachineInfo } from './machine-info';
import { formatRate, markdownTable } from './markdown-table';
import type { StepProfile } from './profile-summary';
import type { QueueOverheadResult } from './queue-overhead';
import type { StepTiming } from './training-throughput';

// Types only above: this module formats, and loads neither TF.js nor the queue.

export type Failed = { failed: string };
export type Skipped = { skipped: string };
type StepCell = StepTiming | Skipped;

export interface TrainingBenchRow {
  model: BenchModel;
  batch: number;
  /** One step on a random batch, per backend (1 thread). */
  tfjs: Partial<Record<BackendName, StepCell>>;
  /** trainExperiment on synthetic data on the primary backend, with 1 thread and with `threads`. */
  train: { one?: ExperimentRun | Failed; all?: ExperimentRun | Failed };
  /** The primary backend's step by phase (1 thread). */
  profile?: StepProfile | Failed;
  /** PyTorch's step with 1 thread and with `threads`. */
  pytorch: { one?: StepTiming; all?: StepTiming };
}

export interface TrainingBenchResult {
  before: MachineInfo;
  loadavgAfter: number[];
  /** The thread count of the "all threads" figures (TF.js's and PyTorch's). */
  threads: number;
  /** The backend of the trainExperiment, profile and queue figures: the first that could run. */
  primary: BackendName;
  backends: ({ backend: BackendName; reason: string } | { backend: BackendName; unavailable: string })[];
  /** `threads`: what torch.get_num_threads() said for each run. */
  pytorch: { torch: string; threads: number[] } | { unavailable: string };
  rows: TrainingBenchRow[];
  queueOverhead: QueueOverheadResult | Skipped | Failed;
}

const plural = (n: number) => `${n} thread${n === 1 ? '' : 's'}`;
const rateOf = (cell: StepCell | ExperimentRun | Failed | undefined): number | undefined =>
  cell && 'imgPerSec' in cell ? cell.imgPerSec : cell && 'samplesPerSec' in cell ? cell.samplesPerSec : undefined;

/** The threads a run used as its trainer reported them; never the count asked for, passed off as used. */
function threadsUsed(run: ExperimentRun | Failed | undefined): string {
  if (!run || 'failed' in run) return '-';
  return run.threads === undefined ? `not reported (${run.requestedThreads} asked)` : String(run.threads);
}

/** The bench's tables (throughput, TF.js ÷ PyTorch, profile, queue overhead) and their notes, as Markdown. */
export function formatTrainingBench(result: TrainingBenchResult): string {
  const { primary, threads } = result;
  const measured = result.backends.filter((b) => 'reason' in b).map((b) => b.backend);
  const others = measured.filter((b) => b !== primary);
  const torch = 'torch' in result.pytorch ? result.pytorch : undefined;
  const all = plural(threads);
  const sections: string[] = [];
  const notes: string[] = [];

  const throughput = markdownTable(
    [
      'model',
      'batch',
      `TF.js ${primary} step, 1 thread`,
      `TF.js ${primary} train, 1 thread`,
      `TF.js ${primary} train, ${all}`,
      'threads used',
      ...others.map((b) => `TF.js ${b} step, 1 thread`),
      ...(torch ? ['PyTorch step, 1 thread', `PyTorch step, ${all}`] : []),
    ],
    result.rows.map((row) => [
      row.model,
      String(row.batch),
      formatRate(rateOf(row.tfjs[primary])),
      formatRate(rateOf(row.train.one)),
      formatRate(rateOf(row.train.all)),
      threadsUsed(row.train.all),
      ...others.map((b) => formatRate(rateOf(row.tfjs[b]))),
      ...(torch ? [formatRate(row.pytorch.one?.imgPerSec), formatRate(row.pytorch.all?.imgPerSec)] : []),
    ]),
    ['left', 'right', 'right', 'right', 'right', 'right', ...others.map(() => 'right' as const), 'right', 'right'],
  );
  sections.push('Training throughput (img/s):', '', throughput);

  if (torch) {
    const ratios = markdownTable(
      ['model (batch)', 'TF.js ÷ PyTorch, 1 thread', `TF.js ÷ PyTorch, ${all}`, `goal (${all})`],
      result.rows.map((row) => {
        const allRatio = ratio(rateOf(row.train.all), row.pytorch.all?.imgPerSec);
        return [`${row.model} (${row.batch})`, formatRatio(ratio(rateOf(row.tfjs[primary]), row.pytorch.one?.imgPerSec)), formatRatio(allRatio), goalCell(row.model, allRatio)];
      }),
      ['left', 'right', 'right', 'left'],
    );
    sections.push('', `TF.js (${primary}) ÷ PyTorch, the same run (1 thread: step ÷ step; ${all}: trainExperiment ÷ step):`, '', ratios);
  }

  const profiled = result.rows.filter((r) => r.profile && 'steps' in r.profile);
  if (profiled.length) {
    const profile = markdownTable(
      ['model', 'batch', 'data', 'forward', 'backward', 'optimizer', 'sum', 'step'],
      profiled.map((row) => {
        const p = row.profile as StepProfile;
        const step = row.tfjs[primary];
        return [row.model, String(row.batch), ...[p.dataMs, p.forwardMs, p.backwardMs, p.optimizerMs, p.totalMs].map(formatMs), formatMs(step && 'medianMs' in step ? step.medianMs : undefined)];
      }),
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    );
    sections.push('', `Where a step's time goes (TF.js ${primary}, 1 thread, ms per step, medians; step: the step bench's median):`, '', profile);
  }
  for (const row of result.rows) if (row.profile && 'failed' in row.profile) notes.push(`profile ${row.model}: failed: ${row.profile.failed}`);

  const q = result.queueOverhead;
  if ('fraction' in q) {
    const overhead = markdownTable(
      ['round', 'order', 'threads used (bare / queued)', 'bare samples/s', 'queued samples/s', 'queued ÷ bare', 'goal'],
      queueOverheadRows(q),
      ['left', 'left', 'right', 'right', 'right', 'left', 'left'],
    );
    sections.push(
      '',
      `Queue overhead: ${q.model}, ${q.epochs} × ${q.limit.toLocaleString('en-US')} synthetic samples, bare (trainExperiment in a child process) and inside a worker on the queue (TF.js ${q.backend}), in ${q.rounds.length} interleaved pair${q.rounds.length === 1 ? '' : 's'}; the goal is judged on the median:`,
      '',
      overhead,
    );
  } else {
    notes.push(`queue overhead: ${'skipped' in q ? q.skipped : `failed: ${q.failed}`}`);
  }

  for (const b of result.backends) notes.push(`TF.js ${b.backend}: ${'unavailable' in b ? `unavailable: ${b.unavailable}` : b.reason}`);
  for (const row of result.rows) {
    for (const [b, cell] of Object.entries(row.tfjs)) if (cell && 'skipped' in cell) notes.push(`TF.js ${b} ${row.model}: ${cell.skipped}`);
    for (const [k, run] of Object.entries(row.train)) if (run && 'failed' in run) notes.push(`TF.js ${primary} train ${row.model} (${k === 'one' ? '1 thread' : all}): failed: ${run.failed}`);
  }
  notes.push(torch ? `PyTorch ${torch.torch}, CPU, threads as torch reported them: ${torch.threads.join(' and ')}` : `PyTorch: ${'unavailable' in result.pytorch ? result.pytorch.unavailable : ''}`);
  notes.push('step = forward + backward + SGD (lr 0.01, momentum 0.5) on one random batch; img/s = batch ÷ median step time');
  notes.push('train = trainExperiment, one epoch on synthetic data, the data path included: samples/s over its last two thirds (warm; the whole-run rate is in --json)');
  notes.push(`machine: ${describeMachine(result.before)}; load average after: ${result.loadavgAfter.join(' ')}`);
  return [...sections, '', ...notes.map((n) => `- ${n}`)].join('\n');
}

/**
 * The queue-overhead table's rows: one per round (its order, each side's threads and samples/s,
 * queued ÷ bare), then the median row with the fractions' min–max, judged against the goal.
 */
export function queueOverheadRows(q: QueueOverheadResult): string[][] {
  const used = (threads: number | undefined) => threads ?? `not reported (${q.requestedThreads} asked)`;
  const rows = q.rounds.map((r, i) => [
    String(i + 1),
    r.order.join(' → '),
    `${used(r.bare.threads)} / ${used(r.queued.threads)}`,
    formatRate(r.bare.samplesPerSec),
    formatRate(r.queued.samplesPerSec),
    formatFraction(r.fraction),
    '',
  ]);
  const { median, min, max } = q.fraction;
  rows.push([
    `median of ${q.rounds.length}`,
    '',
    '',
    formatRate(q.samplesPerSec.bare),
    formatRate(q.samplesPerSec.queued),
    `${formatFraction(median)} (${formatFraction(min)}–${formatFraction(max)})`,
    queueGoalCell(median),
  ]);
  return rows;
}

/** ms at the precision that matters: 0.52 / 11.8 / 1,234. */
const formatMs = (ms: number | undefined) => formatRate(ms);
