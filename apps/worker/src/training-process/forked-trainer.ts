import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { BackendChoice, ExperimentSpec, TrainingResult } from '@trainyard/contracts';
import type { BackendSelection, TrainOptions } from '@trainyard/training';
import { BackendCrashedError } from '../backend-crashed.error';
import type { Trainer } from '../trainer.port';
import { reviveError, serializeError, type ForwardedTrainOptions, type FromTrainingProcess, type ToTrainingProcess } from './training-process.protocol';

export interface ForkedTrainerOptions {
  /** The training process's script (default: the built training-process.entry.js beside this file). */
  entry?: string;
  /** A module exporting the Trainer port in place of libs/training (tests inject faults with it). */
  trainerModule?: string;
  /** How long an aborted training process may take to stop between batches before it is killed (ms, default 5000). */
  abortGraceMs?: number;
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
 * log lines and the abort signal, and settles with the result or the training's error, whose
 * class name is kept. A process that dies without answering, or whose backend failed at runtime,
 * rejects with BackendCrashedError. An abort that the process does not honour within
 * abortGraceMs (a synchronous step still running) kills it.
 */
export class ForkedTrainer implements Trainer {
  private readonly entry: string;

  constructor(private readonly opts: ForkedTrainerOptions = {}) {
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
      if (io.signal?.aborted) return reject(Object.assign(new Error(`training stopped: ${String(io.signal.reason)}`), { name: 'TrainingCancelledError' }));
      // stdout goes to our stderr: the worker's stdout carries only its own JSON log lines.
      const child: ChildProcess = fork(this.entry, [], { serialization: 'advanced', stdio: ['ignore', 2, 2, 'ipc'] });
      let answer: FromTrainingProcess | undefined;
      let killTimer: NodeJS.Timeout | undefined;
      const post = (message: ToTrainingProcess) => {
        if (child.connected) child.send(message, (err) => err && io.log?.(`training process unreachable: ${err.message}`));
      };
      const onAbort = () => {
        post({ type: 'abort', reason: String(io.signal!.reason) });
        killTimer = setTimeout(() => child.kill('SIGKILL'), this.opts.abortGraceMs ?? 5000);
      };

      child.on('message', (message: FromTrainingProcess) => {
        if (message.type === 'log') io.log?.(message.message);
        else if (message.type === 'event') {
          Promise.resolve(io.onEvent?.(message.event)).then(
            () => post({ type: 'event-ack', n: message.n }),
            (err: unknown) => post({ type: 'event-ack', n: message.n, error: serializeError(err) }),
          );
        } else answer = message;
      });
      child.once('error', (err) => io.log?.(`training process error: ${err.message}`));
      child.once('exit', (code, exitSignal) => {
        clearTimeout(killTimer);
        io.signal?.removeEventListener('abort', onAbort);
        if (answer?.type === 'error') reject(answer.error.backendFault ? new BackendCrashedError(`training backend failed: ${answer.error.name}: ${answer.error.message}`) : reviveError(answer.error));
        else if (answer) resolve(answer);
        else if (io.signal?.aborted) reject(Object.assign(new Error(`training stopped: ${String(io.signal.reason)}`), { name: 'TrainingCancelledError' }));
        else reject(new BackendCrashedError(`the training process died (${exitSignal ? `signal ${exitSignal}` : `exit code ${code}`})`));
      });

      io.signal?.addEventListener('abort', onAbort, { once: true });
      post(request);
    });
  }
}
