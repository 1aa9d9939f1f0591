import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import { startPrivateRedis, type PrivateRedis } from '@trainyard/redis';

export interface TestRedis extends PrivateRedis {
  dir: string;
}

/** A redis-server of the test run's own, on a free port, in a temp dir removed by stop(). */
export async function startTestRedis(): Promise<TestRedis> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trainyard-test-redis-'));
  const server = await startPrivateRedis({ dir });
  return {
    ...server,
    dir,
    stop: async () => {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A queue / store prefix of this test's own, as BullMQ's tests use one queue name per test. */
export const testPrefix = () => `test-${randomUUID()}`;

/** Removes every key under the prefix (queue and store), like BullMQ's tests obliterating their queue. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/**
 * One test Redis for a whole spec file: started before all, stopped after all. `redis` is a
 * connection to it; `connect()` opens more, each closed with it. Read them inside hooks and tests.
 */
export function useTestRedis(): { readonly server: TestRedis; readonly redis: Redis; connect(): Redis } {
  const opened: Redis[] = [];
  const ctx = {
    server: undefined as unknown as TestRedis,
    redis: undefined as unknown as Redis,
    connect(): Redis {
      const client = new Redis(ctx.server.url);
      opened.push(client);
      return client;
    },
  };
  // Bounds for a busy 2-core machine, where starting redis-server can take seconds.
  beforeAll(async () => {
    ctx.server = await startTestRedis();
    ctx.redis = ctx.connect();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(opened.map((c) => c.quit().catch(() => undefined)));
    await ctx.server?.stop();
  }, 30_000);
  return ctx;
}
