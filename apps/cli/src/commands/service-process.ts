import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
  stop(timeoutMs?: number): Promise<void>;
  /** The same service started again (same script, environment and log file). */
  restart(): ServiceProcess;
}

/** Starts one of the project's own processes (API, worker) with its output in a log file. */
export function startService(name: string, script: string, env: NodeJS.ProcessEnv, logDir: string): ServiceProcess {
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `${name}.log`);
  const log = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [script], { env, stdio: ['ignore', log, log, 'ipc'] });
  fs.closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    name,
    child,
    logFile,
    exited,
    restart: () => startService(name, script, env, logDir),
    async stop(timeoutMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls until `check` passes, failing early if a service dies and after `timeoutMs`. */
export async function waitUntil(what: string, check: () => Promise<boolean>, services: ServiceProcess[], timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = services.find((s) => s.child.exitCode !== null);
    if (dead) throw new Error(`the ${dead.name} exited with code ${dead.child.exitCode}; see ${dead.logFile}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; see ${services.map((s) => s.logFile).join(', ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
export const API_MAIN = path.join(ROOT, 'apps', 'api', 'dist', 'main.js');
export const WORKER_MAIN = path.join(ROOT, 'apps', 'worker', 'dist', 'main.js');

/**
 * The API and one worker as real processes (built JS), resolved once the API answers /health and
 * sees the worker. `services` is filled as they start, so a caller can stop them if this throws.
 */
export async function startApiAndWorker(env: NodeJS.ProcessEnv, port: number, logDir: string, services: ServiceProcess[]): Promise<string> {
  services.push(startService('api', API_MAIN, { ...env, PORT: String(port) }, logDir), startService('worker', WORKER_MAIN, env, logDir));
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    'the API and a worker',
    async () => {
      const res = await fetch(`${url}/health`);
      return res.ok && ((await res.json()) as { workers: { count: number } }).workers.count > 0;
    },
    services,
  );
  return url;
}

/** At most this many restarts of one service within RESTART_WINDOW_MS; one more means it cannot run, and the caller gives up. */
export const MAX_RESTARTS = 5;
export const RESTART_WINDOW_MS = 60_000;

/**
 * Keeps `services` running, as a process supervisor would (systemd's Restart=on-failure, with its
 * start limit): a service that exits while `stopping()` is false is started again, in place in
 * the array, and `say` is told which one, with its exit code and log file. Resolves when
 * `stopping()` turns true; rejects when a service exits more than MAX_RESTARTS times within
 * RESTART_WINDOW_MS (a crash loop, e.g. a port taken or a configuration error).
 */
export async function superviseServices(services: ServiceProcess[], stopping: () => boolean, say: (line: string) => void): Promise<void> {
  const restarts = new Map<string, number[]>();
  for (;;) {
    const i = await Promise.race(services.map((s, index) => s.exited.then(() => index)));
    if (stopping()) return;
    const dead = services[i];
    const now = Date.now();
    const recent = (restarts.get(dead.name) ?? []).filter((t) => now - t < RESTART_WINDOW_MS);
    const how = dead.child.signalCode ? `signal ${dead.child.signalCode}` : `code ${dead.child.exitCode}`;
    if (recent.length >= MAX_RESTARTS) {
      throw new Error(`the ${dead.name} exited (${how}) ${recent.length + 1} times within ${RESTART_WINDOW_MS / 1000} s; see ${dead.logFile}`);
    }
    restarts.set(dead.name, [...recent, now]);
    say(`The ${dead.name} exited (${how}); starting it again (log: ${dead.logFile}).`);
    services[i] = dead.restart();
  }
}
