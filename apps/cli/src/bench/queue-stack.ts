import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_PREFIX } from '@trainyard/contracts';
import { freePort, startPrivateRedis, type PrivateRedis } from '@trainyard/redis';
import { writeDemoRoster, type DemoUser } from '../commands/demo-roster';
import { API_MAIN, startApiAndWorker, startService, waitUntil, WORKER_MAIN, type ServiceProcess } from '../commands/service-process';

export interface QueueStack {
  url: string;
  redisUrl: string;
  prefix: string;
  student: DemoUser;
  /** The roster's admin: may watch every student's runs, as a TA's dashboard does. */
  ta: DemoUser;
  logDir: string;
  services: ServiceProcess[];
  /**
   * One more API process on the same Redis and roster (a second instance behind the socket.io Redis
   * adapter), resolved with its URL once its /health answers; `stop()` stops it too.
   */
  addApi(name: string): Promise<{ url: string; service: ServiceProcess }>;
  /** Stops the worker, the API and Redis, and deletes the temp dir; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * A private Redis, the API and one worker as real processes (the built JS, as the demo runs
 * them), all state in a fresh temp dir: nothing touches the project's own `.trainyard`.
 * `onStarted` receives the stop function as soon as there is something to stop, so a Ctrl-C
 * during start-up cleans up too. `settings` adds to (or overrides) the processes' environment,
 * e.g. the worker's TF_BACKEND and TRAIN_THREADS.
 */
export async function startQueueStack(
  log: (line: string) => void,
  onStarted: (stop: () => Promise<void>) => void,
  settings: NodeJS.ProcessEnv = {},
): Promise<QueueStack> {
  for (const main of [API_MAIN, WORKER_MAIN]) {
    if (!fs.existsSync(main)) throw new Error(`${path.relative(process.cwd(), main)} is missing: run \`npm run build\` first`);
  }
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'trainyard-bench-'));
  const logDir = path.join(home, 'logs');
  const services: ServiceProcess[] = [];
  let redis: PrivateRedis | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await Promise.allSettled(services.map((s) => s.stop()));
      await redis?.stop().catch(() => {});
      fs.rmSync(home, { recursive: true, force: true });
    })());
  onStarted(stop);
  try {
    redis = await startPrivateRedis({ dir: path.join(home, 'redis'), password: randomBytes(18).toString('hex'), log });
    const roster = writeDemoRoster(home);
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      REDIS_URL: redis.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      TRAINYARD_HOME: home,
      DATA_DIR: path.join(home, 'data'),
      ARTIFACTS_DIR: path.join(home, 'artifacts'),
      CLASS_ROSTER: roster.file,
      QUEUE_PREFIX: DEFAULT_PREFIX,
      WORKER_CONCURRENCY: '1',
      // The per-student request limit would turn a long --jobs run into 429s: we measure the path, not the quota.
      RATE_LIMIT_PER_MINUTE: '1000000',
      // Likewise the per-token socket cap (default 20): the bench's hundreds of sockets share one student token.
      MAX_SOCKETS_PER_TOKEN: '10000',
      ...settings,
    };
    const url = await startApiAndWorker(env, port, logDir, services);
    log(`API ${url} and one worker up (pids ${services.map((s) => s.child.pid).join(', ')}), Redis on port ${redis.port}`);
    const addApi = async (name: string) => {
      const apiPort = await freePort();
      const service = startService(name, API_MAIN, { ...env, PORT: String(apiPort) }, logDir);
      services.push(service);
      const apiUrl = `http://127.0.0.1:${apiPort}`;
      await waitUntil(`the ${name}`, async () => (await fetch(`${apiUrl}/health`)).ok, [service]);
      return { url: apiUrl, service };
    };
    return {
      url,
      redisUrl: redis.url,
      prefix: DEFAULT_PREFIX,
      student: roster.users.find((u) => u.role === 'student')!,
      ta: roster.users.find((u) => u.role === 'admin')!,
      logDir,
      services,
      addApi,
      stop,
    };
  } catch (err) {
    // The temp dir is about to go: keep the reason visible.
    for (const s of services) log(`${s.name} log tail:\n${tail(s.logFile)}`);
    await stop();
    throw err;
  }
}

export function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
