import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { isTerminal, type BackendName, type ExperimentEvent, type ExperimentSpec, type TrainingResult } from '@trainyard/contracts';
import { ApiClient } from '../api/api-client';
import type { BareTrainingAnswer, BareTrainingRequest } from './bare-training.entry';
import { formatFraction, queueRoundOrder, queueRunSize, summarizeQueueRounds, type OverheadSide } from './bench-figures';
import { BENCH_BATCH } from './bench-models';
import { connectSocket } from './bench-socket';
import { benchSpec, reportedThreads } from './bench-spec';
import { startQueueStack } from './queue-stack';

/** The model of the queue-overhead run: the course's MNIST CNN (issue 9's example). */
export const QUEUE_OVERHEAD_MODEL = 'cnn' as const;
const BARE_ENTRY = path.join(__dirname, 'bare-training.entry.js');

export interface OverheadRun {
  /** The result's samplesPerSec: training samples ÷ training seconds, every epoch. */
  samplesPerSec: number;
  /** Wall seconds of the run (its process start and the queue not counted). */
  seconds: number;
  /** What the trainer reported using; undefined when it did not say. */
  threads?: number;
}

/** One bare/queued pair, its two runs one after the other in `order`. */
export interface QueueOverheadRound {
  order: [OverheadSide, OverheadSide];
  bare: OverheadRun;
  queued: OverheadRun;
  /** queued.samplesPerSec ÷ bare.samplesPerSec. */
  fraction: number;
}

export interface QueueOverheadResult {
  model: typeof QUEUE_OVERHEAD_MODEL;
  backend: BackendName;
  /** Synthetic training samples per epoch, and epochs (every run of every round the same). */
  limit: number;
  epochs: number;
  requestedThreads: number;
  /** Every pair, in the order they ran. */
  rounds: QueueOverheadRound[];
  /** The headline (goal ≥ QUEUE_OVERHEAD_GOAL on `median`): the rounds' fractions' median, min and max. */
  fraction: { median: number; min: number; max: number };
  /** Medians of the rounds' bare and of their queued samples/s. */
  samplesPerSec: { bare: number; queued: number };
}

/**
 * The same synthetic CNN run, sized to train about `seconds` at `imgPerSec`, `rounds` times bare
 * (trainExperiment in a fresh child process) and `rounds` times submitted to a private stack
 * (Redis, API and one worker as real processes, TF_BACKEND = `backend`, TRAIN_THREADS = `threads`),
 * started once for every round. Each round runs a pair, in the order queueRoundOrder gives
 * (bare → queued, then queued → bare, …), and yields queued ÷ bare; the headline is their median
 * (summarizeQueueRounds). `onStop` gets, once, a clean-up that stops the stack and the bare child
 * running at the time, for Ctrl-C. Throws when any run fails: a figure missing a round would not be the one asked for.
 */
export async function measureQueueOverhead(
  opts: { backend: BackendName; threads: number; imgPerSec: number; seconds: number; rounds: number },
  progress: (line: string) => void,
  onStop: (stop: () => Promise<void>) => void,
): Promise<QueueOverheadResult> {
  const { limit, epochs } = queueRunSize(opts.imgPerSec, opts.seconds, BENCH_BATCH[QUEUE_OVERHEAD_MODEL]);
  const spec = benchSpec(QUEUE_OVERHEAD_MODEL, limit, epochs);
  const what = `${QUEUE_OVERHEAD_MODEL}, ${epochs} × ${limit.toLocaleString('en-US')} synthetic samples, ${opts.threads} thread(s), ${opts.backend}`;
  const timeoutMs = Math.max(600_000, opts.seconds * 20_000);
  progress(`[queue overhead] ${opts.rounds} round(s) of ${what}: bare (trainExperiment in a child process) and queued, alternating which goes first`);
  progress('[queue overhead] starting a private Redis, API and worker');
  // The caller keeps one clean-up (the last registered): this one stops the bare child of the
  // moment and the stack, which outlives every child.
  let stopStack = async () => {};
  let stopChild = async () => {};
  onStop(async () => {
    await stopChild();
    await stopStack();
  });
  // The worker's own settings, so the queued run trains as the bare one does. Started once: the
  // bare runs then have the same idle stack beside them as the queued ones.
  const stack = await startQueueStack(progress, (stop) => (stopStack = stop), { TF_BACKEND: opts.backend, TRAIN_THREADS: String(opts.threads) });
  try {
    const runs: Record<OverheadSide, () => Promise<OverheadRun>> = {
      bare: () => trainBare({ spec, threads: opts.threads, backend: opts.backend }, timeoutMs, (stop) => (stopChild = stop)),
      queued: async () => {
        const { started, result } = await trainQueued(stack.url, stack.student.token, spec, timeoutMs);
        return { samplesPerSec: result.samplesPerSec, seconds: result.seconds, threads: reportedThreads(started, result) };
      },
    };
    const rounds: QueueOverheadRound[] = [];
    for (let i = 0; i < opts.rounds; i++) {
      const order = queueRoundOrder(i);
      const got: Partial<Record<OverheadSide, OverheadRun>> = {};
      for (const side of order) {
        progress(`[queue overhead] round ${i + 1}/${opts.rounds}: ${side}`);
        got[side] = await runs[side]();
        progress(`[queue overhead] round ${i + 1}/${opts.rounds}: ${side}: ${Math.round(got[side]!.samplesPerSec)} samples/s`);
      }
      const { bare, queued } = got as Record<OverheadSide, OverheadRun>;
      rounds.push({ order, bare, queued, fraction: queued.samplesPerSec / bare.samplesPerSec });
      progress(`[queue overhead] round ${i + 1}/${opts.rounds}: queued ÷ bare ${formatFraction(rounds[i].fraction)}`);
    }
    const summary = summarizeQueueRounds(rounds.map((r) => ({ bare: r.bare.samplesPerSec, queued: r.queued.samplesPerSec })));
    return {
      model: QUEUE_OVERHEAD_MODEL,
      backend: opts.backend,
      limit,
      epochs,
      requestedThreads: opts.threads,
      rounds,
      fraction: { median: summary.median, min: summary.min, max: summary.max },
      samplesPerSec: { bare: summary.bareMedian, queued: summary.queuedMedian },
    };
  } finally {
    progress('[queue overhead] stopping the worker, the API and Redis');
    await stack.stop();
  }
}

/**
 * bare-training.entry.js in a fresh Node process; its log goes to our stderr, its answer comes
 * back. Killed after `timeoutMs`, or on Ctrl-C (through `onStop`); the IPC channel makes it exit
 * if we die first.
 */
function trainBare(request: BareTrainingRequest, timeoutMs: number, onStop: (stop: () => Promise<void>) => void): Promise<OverheadRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BARE_ENTRY, JSON.stringify(request)], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    onStop(async () => void child.kill('SIGKILL'));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return reject(new Error(`the bare training process did not finish within ${timeoutMs / 1000} s: killed`));
      if (code !== 0) return reject(new Error(`the bare training process exited with ${signal ?? `code ${code}`}`));
      try {
        const answer = JSON.parse(out.trim().split('\n').at(-1)!) as BareTrainingAnswer;
        resolve({ samplesPerSec: answer.samplesPerSec, seconds: answer.seconds, threads: answer.threads });
      } catch {
        reject(new Error(`the bare training process printed no result: ${out.slice(0, 200)}`));
      }
    });
  });
}

/**
 * Submits `spec` and resolves with its `started` event and its result once `completed` arrives
 * (live or in the subscribe ack's history).
 */
async function trainQueued(url: string, token: string, spec: ExperimentSpec, timeoutMs: number): Promise<{ started?: ExperimentEvent; result: TrainingResult }> {
  const view = await new ApiClient(url, token).submit({ ...spec });
  const socket = await connectSocket(url, token);
  let started: ExperimentEvent | undefined;
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`run ${view.id} did not finish within ${timeoutMs / 1000} s`)), timeoutMs);
      const settle = (event: ExperimentEvent) => {
        if (event.id !== view.id) return;
        if (event.type === 'started') started = event;
        if (!isTerminal(event.type)) return;
        clearTimeout(timer);
        if (event.type === 'completed') resolve({ started, result: event.result });
        else reject(new Error(`run ${view.id} ended ${event.type}: ${JSON.stringify(event)}`));
      };
      socket.on('experiment:event', settle);
      socket.on('disconnect', (reason) => reason !== 'io client disconnect' && reject(new Error(`socket disconnected: ${reason}`)));
      socket
        .timeout(15_000)
        .emitWithAck('subscribe', { id: view.id })
        .then((ack) => {
          if (!ack.ok) throw new Error(`subscribe ${view.id} refused: ${ack.error}`);
          for (const e of ack.history ?? []) settle(e);
        })
        .catch((err: Error) => {
          clearTimeout(timer);
          reject(err);
        });
    });
  } finally {
    socket.close();
  }
}
