import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
/** The built worker (apps/worker/dist) with the real trainer, as test/support/worker-entry.js starts it. */
const ENTRY = process.env.TRAINYARD_TEST_WORKER_ENTRY ?? path.join(ROOT, 'test', 'support', 'worker-entry.js');

export interface TrainingWorker {
  name: string;
  child: ChildProcess;
  ready: Promise<void>;
  stop(): Promise<void>;
}

/**
 * One real worker process on the test's Redis and queue prefix, training with TF.js on the
 * pure-JS `cpu` backend (the same on every machine; no native add-on).
 */
export function startTrainingWorker(opts: { redisUrl: string; prefix: string; home: string; name: string }): TrainingWorker {
  const child = spawn(process.execPath, [ENTRY, '{}'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      REDIS_URL: opts.redisUrl,
      QUEUE_PREFIX: opts.prefix,
      WORKER_NAME: opts.name,
      WORKER_CONCURRENCY: '1',
      TRAINYARD_HOME: opts.home,
      DATA_DIR: path.join(opts.home, 'data'),
      ARTIFACTS_DIR: path.join(opts.home, 'artifacts'),
      TF_BACKEND: 'cpu',
      LOG_LEVEL: 'info',
    },
  });
  let output = '';
  let stderr = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker ${opts.name} not ready in 60 s; stderr: ${stderr.slice(-2000)}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
      if (output.includes('"msg":"worker ready"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker ${opts.name} exited (${code}) before it was ready; stderr: ${stderr.slice(-2000)}`));
    });
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name: opts.name,
    child,
    ready,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
