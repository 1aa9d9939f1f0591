import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { withFileLock, type AppConfig } from '@trainyard/config';
import { isPortFree } from './free-port';
import { startPrivateRedis } from './private-redis';
import { pingRedis } from './redis-ping';
import type { RedisLog } from './redis-server-binary';

export interface ResolvedRedis {
  url: string;
  /** 'external': REDIS_URL; 'started': this process started the private server; 'reused': another did. */
  source: 'external' | 'started' | 'reused';
  /** Stops the private server if this process started it; otherwise does nothing. */
  stop(): Promise<void>;
}

interface ServerRecord {
  url: string;
  pid: number;
  port: number;
  password: string;
  startedAt: string;
}

const STATE_FILE = 'server.json';
const LOCK_FILE = 'server.lock';

/**
 * The Redis this process should use.
 *
 * The rule: `REDIS_URL` wins. Without it, every project process on this machine (API, worker,
 * CLI, demo) shares ONE private redis-server whose data lives in `<home>/redis`. The first
 * process to need it starts it detached (it outlives its starter, like a local database) and
 * records `{url, pid, port}` in `<home>/redis/server.json`; a later process reuses the server that
 * answers PING on the recorded port to the recorded password (however it was restarted), waits for
 * one that holds the port but is still loading, and otherwise starts a new one on the recorded
 * port, so that clients of the old one reconnect. Never a second server on the same data. A lock file makes "check,
 * then start" atomic between processes that start together. Only the starter may `stop()` it.
 * The server is bound to 127.0.0.1 and has a random password, kept in the 0600 state file.
 */
export async function resolveRedis(config: Pick<AppConfig, 'redisUrl' | 'home'>, opts: { log?: RedisLog } = {}): Promise<ResolvedRedis> {
  if (config.redisUrl) return { url: config.redisUrl, source: 'external', stop: async () => {} };
  const log = opts.log ?? (() => {});
  const dir = path.join(config.home, 'redis');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return withFileLock(path.join(dir, LOCK_FILE), async () => {
    const stateFile = path.join(dir, STATE_FILE);
    const known = readRecord(stateFile);
    // Our server is whatever answers on the recorded port to the recorded password, whichever
    // process started it: the recorded pid changes when an operator or a supervisor restarts it.
    if (known && (await answersAsOurs(known))) {
      log(`reusing the private redis-server on 127.0.0.1:${known.port}`);
      return { url: known.url, source: 'reused' as const, stop: async () => {} };
    }
    if (known && !(await isPortFree(known.port))) {
      // Something holds our port without answering yet: our server still loading its AOF after
      // a restart, most likely. Starting a second server on the same data would split it.
      if (await waitFor(() => answersAsOurs(known), LOADING_WAIT_MS)) {
        log(`reusing the private redis-server on 127.0.0.1:${known.port} (it was loading its data)`);
        return { url: known.url, source: 'reused' as const, stop: async () => {} };
      }
      throw new Error(
        `127.0.0.1:${known.port}, the private Redis's port (${stateFile}), is taken by something that does not answer as it; ` +
          'stop that process, or set REDIS_URL to a Redis of your own',
      );
    }
    const port = known?.port;
    const password = known?.password ?? randomBytes(18).toString('hex');
    const server = await startPrivateRedis({ dir, port, password, detached: true, log });
    const record: ServerRecord = { url: server.url, pid: server.pid, port: server.port, password, startedAt: new Date().toISOString() };
    fs.writeFileSync(stateFile, JSON.stringify(record, null, 2), { mode: 0o600 });
    return {
      url: server.url,
      source: 'started' as const,
      // The state file stays: a later start reuses its port and password.
      stop: () => server.stop(),
    };
  });
}

/** How long to wait for a server that holds our port but does not answer yet (ms): loading a large AOF takes a while. */
const LOADING_WAIT_MS = 30_000;

const answersAsOurs = (known: ServerRecord) => pingRedis(known.port, { password: known.password });

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

function readRecord(file: string): ServerRecord | undefined {
  try {
    const r = JSON.parse(fs.readFileSync(file, 'utf8')) as ServerRecord;
    return typeof r.url === 'string' && Number.isInteger(r.pid) && Number.isInteger(r.port) ? r : undefined;
  } catch {
    return undefined;
  }
}
