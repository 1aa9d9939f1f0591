import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort } from './free-port';
import { pingRedis } from './redis-ping';
import { ensureRedisServer, type RedisLog } from './redis-server-binary';

export interface PrivateRedisOptions {
  /** Data directory (AOF files and redis.log); created when missing. */
  dir: string;
  /** Port on 127.0.0.1; a free one is picked when omitted. */
  port?: number;
  /** requirepass for the server; put into the returned URL. */
  password?: string;
  /**
   * Outlive this process (own process group, not waited on). Used for the server shared by the
   * project's processes; tests keep the default and stop it in afterAll.
   */
  detached?: boolean;
  log?: RedisLog;
  /** How long to wait for PING to answer (default 20 s). */
  readyTimeoutMs?: number;
}

export interface PrivateRedis {
  url: string;
  port: number;
  pid: number;
  /** Clean shutdown: SIGTERM (Redis flushes the AOF and exits), SIGKILL only after 10 s. */
  stop(): Promise<void>;
}

const LOG_FILE = 'redis.log';

/** Starts our own redis-server on 127.0.0.1, data kept in `dir` with appendonly so jobs survive a restart. */
export async function startPrivateRedis(opts: PrivateRedisOptions): Promise<PrivateRedis> {
  const log = opts.log ?? (() => {});
  const bin = await ensureRedisServer(log);
  fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  // A free port can be taken between the check and the bind: retry with a new one, unless fixed.
  const attempts = opts.port ? 1 : 3;
  let lastError: Error | undefined;
  for (let i = 0; i < attempts; i++) {
    const port = opts.port ?? (await freePort());
    try {
      return await launch(bin, port, opts, log);
    } catch (err) {
      lastError = err as Error;
      if (!/address already in use/i.test(lastError.message)) break;
    }
  }
  throw lastError!;
}

async function launch(bin: string, port: number, opts: PrivateRedisOptions, log: RedisLog): Promise<PrivateRedis> {
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--protected-mode', 'yes',
    '--dir', opts.dir,
    '--appendonly', 'yes',
    // The AOF is the durable copy; RDB snapshots would only slow shutdown.
    '--save', '',
    '--daemonize', 'no',
    '--logfile', LOG_FILE,
    ...(opts.password ? ['--requirepass', opts.password] : []),
  ];
  const child = spawn(bin, args, { cwd: opts.dir, stdio: 'ignore', detached: opts.detached ?? false });
  if (opts.detached) child.unref();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 20_000);
  let ready = false;
  let failure: string | undefined;
  let gone = false;
  void exited.then(() => (gone = true));
  void spawnError.then((err) => (failure = err.message));
  while (!ready && !failure && !gone && Date.now() < deadline) {
    ready = await pingRedis(port, { password: opts.password, timeoutMs: 500 });
    if (!ready) await sleep(50);
  }
  if (!ready) {
    const tail = readTail(path.join(opts.dir, LOG_FILE));
    if (!gone && !failure) await stopChild(child, exited);
    throw new Error(`redis-server on port ${port} did not start: ${failure ?? (gone ? 'it exited' : 'no answer to PING')}${tail ? `; ${tail}` : ''}`);
  }
  const auth = opts.password ? `:${encodeURIComponent(opts.password)}@` : '';
  log(`redis-server ${child.pid} listening on 127.0.0.1:${port}, data in ${opts.dir}`);
  let stopping: Promise<void> | undefined;
  return {
    url: `redis://${auth}127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    stop: () => (stopping ??= stopChild(child, exited)),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function readTail(file: string): string {
  try {
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    // Redis logs "# <message>" for warnings and errors; the last one says why it stopped.
    return (lines.filter((l) => l.includes(' # ')).at(-1) ?? lines.at(-1) ?? '').trim();
  } catch {
    return '';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
