// Real processes for the fault tests: a password-protected redis-server that a test may kill -9
// and start again on the same port and data directory, and the built API and worker started as
// `node apps/*/dist/main.js` exactly as in production (the demo's own startService).
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import { freePort, startPrivateRedis, type PrivateRedis } from '@trainyard/redis';
import { API_MAIN, WORKER_MAIN, startService, waitUntil, type ServiceProcess } from '../../apps/cli/src/commands/service-process';
import { testPrefix, useFixture } from '@trainyard/testing';
import { spawnWorker, type WorkerProcess, type WorkerProcessOptions } from './worker-process';

export const STACK_TOKENS = {
  ta: 'stack-ta-token-000000001',
  alice: 'stack-alice-token-000002',
  bob: 'stack-bob-token-00000003',
  // A third student, for the chaos test's three-student load.
  carol: 'stack-carol-token-000004',
} as const;
export type StackUser = keyof typeof STACK_TOKENS;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A redis-server that can be killed outright and brought back on the same port, password and AOF. */
export interface RestartableRedis {
  url: string;
  port: number;
  password: string;
  dir: string;
  /** SIGKILL: no AOF flush beyond what appendfsync already wrote, as in a crash. */
  kill(): Promise<void>;
  start(): Promise<void>;
  /** A clean restart: SHUTDOWN flushes the AOF, and the new server loads it. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRestartableRedis(): Promise<RestartableRedis> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trainyard-stack-redis-'));
  const password = randomBytes(12).toString('hex');
  const port = await freePort();
  let server: PrivateRedis | undefined = await startPrivateRedis({ dir, port, password });
  const self: RestartableRedis = {
    url: server.url,
    port,
    password,
    dir,
    async kill() {
      if (!server) return;
      const pid = server.pid;
      process.kill(pid, 'SIGKILL');
      await waitUntil('redis-server to die', async () => !isAlive(pid), [], 20_000);
      server = undefined;
    },
    async start() {
      server = await startPrivateRedis({ dir, port, password, readyTimeoutMs: 60_000 });
    },
    async restart() {
      await server?.stop();
      server = await startPrivateRedis({ dir, port, password, readyTimeoutMs: 60_000 });
    },
    async stop() {
      await server?.stop();
      server = undefined;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return self;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface Stack {
  redis: RestartableRedis;
  prefix: string;
  home: string;
  env: NodeJS.ProcessEnv;
  /** Every process started so far (stopped by close()). */
  services: ServiceProcess[];
  startApi(name?: string): Promise<{ url: string; service: ServiceProcess }>;
  startWorker(name?: string, env?: NodeJS.ProcessEnv): ServiceProcess;
  /** A plain client of the test's own (no retry limit, so it waits out a restart). */
  client: Redis;
  /** Lines of a service's log file, for assertions on what it logged. */
  log(service: ServiceProcess): string;
  close(): Promise<void>;
}

/** One Redis, a roster (a TA and three students), and helpers to start API and worker processes against them. */
export async function startStack(opts: { env?: NodeJS.ProcessEnv } = {}): Promise<Stack> {
  const redis = await startRestartableRedis();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'trainyard-stack-'));
  const roster = path.join(home, 'roster.json');
  fs.writeFileSync(
    roster,
    JSON.stringify(Object.entries(STACK_TOKENS).map(([name, token]) => ({ name, role: name === 'ta' ? 'admin' : 'student', tokenHash: sha256(token) }))),
  );
  const prefix = testPrefix();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: prefix,
    CLASS_ROSTER: roster,
    TRAINYARD_HOME: home,
    DATA_DIR: path.join(home, 'data'),
    ARTIFACTS_DIR: path.join(home, 'artifacts'),
    TF_BACKEND: 'cpu',
    LOG_LEVEL: 'info',
    MAX_QUEUED_PER_STUDENT: '1000',
    RATE_LIMIT_PER_MINUTE: '100000',
    ...opts.env,
  };
  const services: ServiceProcess[] = [];
  const logDir = path.join(home, 'logs');
  let n = 0;
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  return {
    redis,
    prefix,
    home,
    env,
    services,
    client,
    async startApi(name = `api-${++n}`) {
      const port = await freePort();
      const service = startService(name, API_MAIN, { ...env, PORT: String(port) }, logDir);
      services.push(service);
      const url = `http://127.0.0.1:${port}`;
      await waitUntil(`${name} to answer /health`, async () => (await fetch(`${url}/health`)).status < 500, [service], 120_000);
      return { url, service };
    },
    startWorker(name = `worker-${++n}`, extra = {}) {
      const service = startService(name, WORKER_MAIN, { ...env, WORKER_NAME: name, ...extra }, logDir);
      services.push(service);
      return service;
    },
    log: (service) => (fs.existsSync(service.logFile) ? fs.readFileSync(service.logFile, 'utf8') : ''),
    async close() {
      await Promise.all(services.map((s) => s.stop(20_000)));
      client.disconnect();
      await redis.stop();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

/** `Authorization` header for a stack user. */
export const stackAuth = (user: StackUser) => ({ authorization: `Bearer ${STACK_TOKENS[user]}` });

/**
 * Connections that hold subscriptions, from CLIENT LIST: name → channels + patterns. A pub/sub
 * connection that lost its subscriptions shows 0 here (or is missing, if it never reconnected).
 */
export async function subscriptionsByClientName(redis: Redis): Promise<Map<string, number>> {
  const list = (await redis.client('LIST')) as string;
  const out = new Map<string, number>();
  for (const line of list.split('\n').filter(Boolean)) {
    const f = Object.fromEntries(line.split(' ').map((kv) => kv.split('=') as [string, string]));
    if (!f.name) continue;
    out.set(f.name, (out.get(f.name) ?? 0) + Number(f.sub ?? 0) + Number(f.psub ?? 0) + Number(f.ssub ?? 0));
  }
  return out;
}

/** One stack for a whole spec file, closed after all; read its fields inside hooks and tests. */
export const useStack = (opts: { env?: NodeJS.ProcessEnv } = {}): Stack => useFixture('the stack', () => startStack(opts), (stack) => stack.close());

/**
 * A worker process of the stack as if on a machine of its own (its own name and home), sharing only
 * DATA_DIR and ARTIFACTS_DIR, as a network filesystem would be: so it can resume others' runs.
 */
export function spawnStackWorker(
  stack: Stack,
  name: string,
  workerOptions?: WorkerProcessOptions['workerOptions'],
  env: Record<string, string> = {},
): WorkerProcess {
  return spawnWorker({
    redisUrl: stack.redis.url,
    prefix: stack.prefix,
    name,
    home: path.join(stack.home, name),
    workerOptions,
    env: { ARTIFACTS_DIR: stack.env.ARTIFACTS_DIR!, DATA_DIR: stack.env.DATA_DIR!, ...env },
  });
}
