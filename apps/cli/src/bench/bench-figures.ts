import { SYNTHETIC_MAX_TRAIN } from './bench-models';
import type { BenchModel } from './bench-models';
import { median } from './percentiles';

// The figures `bench training` derives and judges: pure, so they are unit-tested apart from any timing.

/** Issue 9's goals, TF.js ÷ PyTorch in the same run; fc2layer has none. */
export const RATIO_GOALS: Partial<Record<BenchModel, number>> = { cnn: 0.5, 'cifar-cnn': 0.5, vgg16: 0.25 };
/** Issue 9's goal for a run's throughput inside a worker, on the queue, ÷ the same run bare. */
export const QUEUE_OVERHEAD_GOAL = 0.98;

/**
 * A training run's batches at least: its warm rate (warmRate) is taken over the last two thirds
 * of the run, which then hold at least 4 batches.
 */
const MIN_TRAIN_BATCHES = 6;

/** A progress report's mark: `batch` batches trained by `at` (ms, a monotonic clock). */
export interface BatchMark {
  at: number;
  batch: number;
}

/**
 * Samples per second over the last two thirds of a run's batches: from the first mark at or past
 * a third of `batches` to the last mark. The first third holds the warm-up the run's own rate
 * includes: V8 optimising TF.js's JavaScript (the course CNN's step took 9.6 ms over steps 3–22 and
 * 5.8 ms over steps 200–250 in one process), a thread's first wasm calls, XNNPACK packing weights.
 * A class's runs train for minutes to hours, at the warm rate. Undefined with fewer than two
 * marks in that span. Assumes whole batches of `batchSize` (the bench's synthetic runs).
 * @throws RangeError for marks of more than one epoch: their batch numbers restart each epoch, and
 *   a rate across them would be wrong (the bench's queue-overhead side once reported 759% so).
 */
export function warmRate(marks: readonly BatchMark[], batches: number, batchSize: number): number | undefined {
  const restart = marks.findIndex((m, i) => i > 0 && m.batch < marks[i - 1].batch);
  if (restart > 0) throw new RangeError(`warmRate takes one epoch's marks: batch ${marks[restart - 1].batch} was followed by batch ${marks[restart].batch}`);
  const from = marks.find((m) => m.batch >= batches / 3);
  const to = marks.at(-1);
  if (!from || !to || to.batch <= from.batch || to.at <= from.at) return undefined;
  return ((to.batch - from.batch) * batchSize * 1000) / (to.at - from.at);
}

/** TF.js ÷ PyTorch (0.31 = TF.js trains at 31% of PyTorch's rate); undefined without both figures. */
export function ratio(tfjs: number | undefined, torch: number | undefined): number | undefined {
  if (tfjs === undefined || torch === undefined || !(torch > 0) || !Number.isFinite(tfjs)) return undefined;
  return tfjs / torch;
}

/** "0.31×"; below 0.01 two significant digits ("0.0016×", the cpu backend's convolutions). */
export function formatRatio(r: number | undefined): string {
  if (r === undefined || !Number.isFinite(r)) return '-';
  return `${r < 0.01 ? r.toPrecision(2) : r.toFixed(2)}×`;
}

/** "≥ 0.5×: met" / "not met" / "no figure"; "-" for a model without a goal. */
export function goalCell(model: BenchModel, r: number | undefined): string {
  const goal = RATIO_GOALS[model];
  if (goal === undefined) return '-';
  return `≥ ${goal}×: ${judge(r, goal)}`;
}

/** "97.3%". */
export function formatFraction(f: number | undefined): string {
  return f === undefined || !Number.isFinite(f) ? '-' : `${(f * 100).toFixed(1)}%`;
}

export function queueGoalCell(f: number | undefined): string {
  return `≥ ${QUEUE_OVERHEAD_GOAL * 100}%: ${judge(f, QUEUE_OVERHEAD_GOAL)}`;
}

function judge(value: number | undefined, goal: number): string {
  if (value === undefined || !Number.isFinite(value)) return 'no figure';
  return value >= goal ? 'met' : 'not met';
}

/**
 * Training samples for a run of about `seconds` at `imgPerSec`, in whole batches of `batch`:
 * at least MIN_TRAIN_BATCHES, at most what the synthetic set generates (SYNTHETIC_MAX_TRAIN).
 * Without a rate (NaN), the minimum.
 */
export function trainSamplesFor(imgPerSec: number, seconds: number, batch: number): number {
  const wanted = Number.isFinite(imgPerSec) ? Math.ceil((imgPerSec * seconds) / batch) : 0;
  const batches = Math.min(Math.max(wanted, MIN_TRAIN_BATCHES), Math.floor(SYNTHETIC_MAX_TRAIN / batch));
  return batches * batch;
}

/**
 * The queue-overhead run: about `seconds` of training at `imgPerSec`, as equal epochs of at most
 * SYNTHETIC_MAX_TRAIN samples each (`limit`, whole batches of `batch`).
 */
export function queueRunSize(imgPerSec: number, seconds: number, batch: number): { limit: number; epochs: number } {
  const wanted = Math.max(Math.ceil(imgPerSec * seconds), batch);
  const epochs = Math.ceil(wanted / SYNTHETIC_MAX_TRAIN);
  return { limit: Math.ceil(wanted / epochs / batch) * batch, epochs };
}

/** One side of a queue-overhead pair: trainExperiment bare in a child process, or inside a worker on the queue. */
export type OverheadSide = 'bare' | 'queued';

/**
 * The order of round `round` (0-based) of the queue-overhead pairs: bare → queued on even rounds,
 * queued → bare on odd ones, so a drift over the bench (the machine warming, another engineer's
 * load rising) and whatever the first run of a pair leaves behind (page cache, CPU frequency) do
 * not fall on one side every time.
 * @throws RangeError for a round that is not a whole number ≥ 0.
 */
export function queueRoundOrder(round: number): [OverheadSide, OverheadSide] {
  if (!Number.isInteger(round) || round < 0) throw new RangeError(`a round is a whole number ≥ 0, got ${round}`);
  return round % 2 === 0 ? ['bare', 'queued'] : ['queued', 'bare'];
}

/** One round's two rates, samples/s. */
export interface RoundRates {
  bare: number;
  queued: number;
}

/** The queue-overhead figure over every round. Fractions are queued ÷ bare (1 = no overhead). */
export interface QueueOverheadSummary {
  /** Each round's queued ÷ bare, in round order. */
  fractions: number[];
  /** The headline: the median of `fractions` (mean of the middle two for an even count). */
  median: number;
  min: number;
  max: number;
  /** Medians of the rounds' bare and queued samples/s, each side on its own. */
  bareMedian: number;
  queuedMedian: number;
}

/**
 * Each round's fraction, and their median as the headline: a pair's two runs are minutes apart at
 * most, so drift over the whole bench mostly cancels within a pair, and the median does not let
 * one disturbed pair (another engineer's build) move the figure as a mean would.
 * @throws RangeError without rounds, or for a round whose bare rate is not a positive number.
 */
export function summarizeQueueRounds(rounds: readonly RoundRates[]): QueueOverheadSummary {
  if (!rounds.length) throw new RangeError('the queue overhead needs at least one round');
  const bad = rounds.findIndex((r) => !(r.bare > 0) || !Number.isFinite(r.bare));
  if (bad >= 0) throw new RangeError(`round ${bad + 1}: the bare run measured ${rounds[bad].bare} samples/s, nothing to divide by`);
  const fractions = rounds.map((r) => r.queued / r.bare);
  return {
    fractions,
    median: median(fractions),
    min: Math.min(...fractions),
    max: Math.max(...fractions),
    bareMedian: median(rounds.map((r) => r.bare)),
    queuedMedian: median(rounds.map((r) => r.queued)),
  };
}
