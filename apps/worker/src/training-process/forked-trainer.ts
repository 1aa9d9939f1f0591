import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { TrainingCancelledError, type BackendChoice, type ExperimentSpec, type TrainingResult } from '@trainyard/contracts';
import type { BackendSelection, TrainOptions } from '@trainyard/training';
import { BackendCrashedError } from '../backend-crashed.error';
import { AbortReason } from '../job-errors';
import type { Trainer } from '../trainer.port';
import { reviveError, serializeError, type ForwardedTrainOptions, type FromTrainingProcess, type ToTrainingProcess } from './training-process.protocol';

export interface ForkedTrainerOptions {
  /** The training process's script (default: the built training-process.entry.js beside this file). */
  entry?: string;
  /** A module exporting the Trainer port in place of libs/training (tests inject faults with it). */
  trainerModule?: string;
  /**
   * How long a training process stopped by a worker shutdown (AbortReason.Shutdown) may take to
   * finish its current batch and write its checkpoint before it is killed (ms): the config's
   * workerShutdownGraceMs (WORKER_SHUTDOWN_GRACE_MS).
   */
  shutdownGraceMs: number;
}

/**
 * How long a training process may go on after its job's signal aborted with `reason`, before it
 * is killed (ms). Only a worker shutdown is worth waiting for: the run goes on elsewhere from the
 * checkpoint the process writes once its current batch is done. A cancel, or a record finished
 * elsewhere, keeps nothing (the run's checkpoint is deleted as it finishes). A lost lock must not
 * write one at all: another worker may own the job by now, and its checkpoint lives at the same
 * path (ARTIFACTS_DIR/<id>/checkpoint), so a stale copy's would overwrite the newer one. Those
 * are killed at once (0); so is any reason this worker does not know.
 */
export function stopGraceMs(reason: unknown, shutdownGraceMs: number): number {
  return reason === AbortReason.Shutdown ? shutdownGraceMs : 0;
}

/**
 * The Trainer port over libs/training in a fresh child process per job (and per backend probe).
 *
 * Why a process and not a worker_threads Worker: tfjs-node fails to load in a second worker
 * thread of one process (tensorflow/tfjs#8388), and a native crash or OOM in a thread takes the
 * whole worker down; a process contains both.
 *
 * trainExperiment forwards every structured-clonable field of TrainOptions (so options the
 * training lib gains later pass through unchanged), the events (acknowledged one by one), the
 * log lines and the abort signal, and settles with the result or the training's error, revived
 * as its class (reviveError). It reports no `completed`: the trainer returns its result, and the
 * worker's handler stores `completed`. A process that dies without answering, or whose backend failed at runtime,
 * rejects with BackendCrashedError. An abort is passed on to the process, which stops after its
 * current batch and writes a checkpoint; one it does not honour within stopGraceMs(reason) (a
 * long synchronous step, a slow checkpoint write) kills it, and one whose grace is 0 kills it at
 * once. Settles only once the process has exited and every event it sent has been handled, so
 * nothing of a run is stored after the worker has acted on how it ended.
 */
export class ForkedTrainer implements Trainer {
  private readonly entry: string;

  constructor(private readonly opts: ForkedTrainerOptions) {
    this.entry = opts.entry ?? path.join(__dirname, 'training-process.entry.js');
  }

  /** Chooses the backend and checks that it computes, in a training process of its own. Throws when it cannot. */
  async initBackend(choice: BackendChoice, log: (message: string) => void): Promise<BackendSelection> {
    const answer = await this.exchange({ type: 'probe', backend: choice, trainerModule: this.opts.trainerModule }, { log });
    if (answer.type !== 'probe-result') throw new Error(`training process answered a probe with ${answer.type}`);
    return answer.selection;
  }

  async trainExperiment(spec: ExperimentSpec, options: TrainOptions): Promise<TrainingResult> {
    const { signal, onEvent, log, ...rest } = options;
    const forwarded: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(rest)) {
      if (typeof value === 'function') log?.(`training option ${key} is a function and cannot reach the training process: ignored`);
      else forwarded[key] = value;
    }
    const request: ToTrainingProcess = {
      type: 'train',
      spec,
      options: forwarded as ForwardedTrainOptions,
      // The backend the worker selected at start; 'auto' would choose it again, maybe differently.
      backend: options.backend ?? 'auto',
      trainerModule: this.opts.trainerModule,
    };
    const answer = await this.exchange(request, { signal, onEvent, log });
    if (answer.type !== 'result') throw new Error(`training process answered training with ${answer.type}`);
    return answer.result;
  }

  /** Forks a training process, sends it the request, serves its events and logs, and returns its answer. */
  private exchange(request: ToTrainingProcess, io: Pick<TrainOptions, 'signal' | 'onEvent' | 'log'>): Promise<FromTrainingProcess> {
    return new Promise((resolve, reject) => {
      if (io.signal?.aborted) return reject(new TrainingCancelledError(`training stopped: ${String(io.signal.reason)}`));
      // stdout goes to our stderr: the worker's stdout carries only its own JSON log lines.
      const child: ChildProcess = fork(this.entry, [], { serialization: 'advanced', stdio: ['ignore', 2, 2, 'ipc'] });
      let answer: FromTrainingProcess | undefined;
      let killTimer: NodeJS.Timeout | undefined;
      // Events the worker is still storing: the run settles only after them (a process killed
      // at once may leave one in flight).
      const handling = new Set<Promise<void>>();
      const post = (message: ToTrainingProcess) => {
        const unreachable = (err: Error | null) => err && io.log?.(`training process unreachable: ${err.message}`);
        try {
          if (child.connected) child.send(message, unreachable);
        } catch (err) {
          unreachable(err as Error); // the channel closed between the check and the send
        }
      };
      const onAbort = () => {
        const reason = io.signal!.reason;
        const graceMs = stopGraceMs(reason, this.opts.shutdownGraceMs);
        if (graceMs <= 0) {
          child.kill('SIGKILL');
          return;
        }
        post({ type: 'abort', reason: String(reason) });
        killTimer = setTimeout(() => {
          io.log?.(`training process still running ${graceMs} ms after ${String(reason)}: killed, its checkpoint not written`);
          child.kill('SIGKILL');
        }, graceMs);
      };

      child.on('message', (message: FromTrainingProcess) => {
        if (message.type === 'log') io.log?.(message.message);
        else if (message.type === 'event') {
          const handled = Promise.resolve(io.onEvent?.(message.event)).then(
            () => post({ type: 'event-ack', n: message.n }),
            (err: unknown) => post({ type: 'event-ack', n: message.n, error: serializeError(err) }),
          );
          handling.add(handled);
          void handled.finally(() => handling.delete(handled));
        } else answer = message;
      });
      child.once('error', (err) => io.log?.(`training process error: ${err.message}`));
      child.once('exit', (code, exitSignal) => {
        clearTimeout(killTimer);
        io.signal?.removeEventListener('abort', onAbort);
        void Promise.allSettled([...handling]).then(() => settle(code, exitSignal));
      });
      const settle = (code: number | null, exitSignal: NodeJS.Signals | null) => {
        if (answer?.type === 'error') reject(answer.error.backendFault ? new BackendCrashedError(`training backend failed: ${answer.error.name}: ${answer.error.message}`) : reviveError(answer.error));
        else if (answer) resolve(answer);
        else if (io.signal?.aborted) reject(new TrainingCancelledError(`training stopped: ${String(io.signal.reason)}`));
        else reject(new BackendCrashedError(`the training process died (${exitSignal ? `signal ${exitSignal}` : `exit code ${code}`})`));
      };

      io.signal?.addEventListener('abort', onAbort, { once: true });
      post(request);
    });
  }
}
