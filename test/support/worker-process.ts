import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { WorkerOptions } from 'bullmq';
import { ensureBuilt } from '@trainyard/testing';

const ROOT = path.resolve(__dirname, '..', '..');
const ENTRY = path.join(__dirname, 'worker-entry.js');

export interface WorkerProcessOptions {
  redisUrl: string;
  prefix: string;
  name: string;
  /** TRAINYARD_HOME: data and artifacts go under it. */
  home: string;
  concurrency?: number;
  workerOptions?: Partial<Omit<WorkerOptions, 'connection'>>;
  /** Absolute path of a module exporting the Trainer port, in place of libs/training (e.g. fault-trainer.js). */
  trainerModule?: string;
  /** Extra environment, e.g. the fault trainer's switches. */
  env?: Record<string, string>;
}

export interface LogLine {
  level: number;
  msg?: string;
  [key: string]: unknown;
}

export interface WorkerProcess {
  name: string;
  child: ChildProcess;
  logs: LogLine[];
  /** Resolves once the worker logged "worker ready"; rejects if it exits first. */
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Sends the signal (SIGTERM by default) and waits for the exit; SIGKILL after timeoutMs. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Workers run as real processes from built JS (apps/worker/dist): builds it first if an edit made it stale. */
export const ensureWorkerBuilt = (): void => ensureBuilt(path.join(ROOT, 'apps', 'worker', 'tsconfig.json'));

export function spawnWorker(opts: WorkerProcessOptions): WorkerProcess {
  const child = spawn(process.execPath, [ENTRY, JSON.stringify({ workerOptions: opts.workerOptions ?? {}, trainerModule: opts.trainerModule })], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      REDIS_URL: opts.redisUrl,
      QUEUE_PREFIX: opts.prefix,
      WORKER_NAME: opts.name,
      WORKER_CONCURRENCY: String(opts.concurrency ?? 1),
      TRAINYARD_HOME: opts.home,
      DATA_DIR: path.join(opts.home, 'data'),
      ARTIFACTS_DIR: path.join(opts.home, 'artifacts'),
      // The pure-JS backend: the same on every machine, and no native add-on to load per process.
      TF_BACKEND: 'cpu',
      // One training thread: the suite runs many workers at once on a 2-core machine. Tests of
      // data-parallel training set it themselves.
      TRAIN_THREADS: '1',
      LOG_LEVEL: 'info',
      ...opts.env,
    },
  });
  const logs: LogLine[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ level: 30, msg: line });
      }
    }
    waiters.forEach((w) => w());
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      waiters.forEach((w) => w());
    }),
  );
  let gone = false;
  void exited.then(() => (gone = true));

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 30_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const found = logs.find(match);
        if (found) return finish(() => resolve(found));
        if (gone) finish(() => reject(new Error(`worker ${opts.name} exited before the expected log line; stderr: ${stderr.trim()}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`worker ${opts.name}: expected log line not seen in ${timeoutMs} ms`))), timeoutMs);
      const finish = (fn: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        fn();
      };
      waiters.add(check);
      check();
    });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000) => {
    if (!gone) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    }
    return exited;
  };

  return { name: opts.name, child, logs, exited, waitForLog, stop, ready: waitForLog((l) => l.msg === 'worker ready', 60_000).then(() => undefined) };
}
