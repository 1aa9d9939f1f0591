import Redis, { type RedisOptions } from 'ioredis';
import { redisOptionsFromUrl } from './redis-url';

/**
 * Connection options for BullMQ's `connection` (BullMQ makes its own clients from them).
 * - 'worker': `maxRetriesPerRequest: null`, which BullMQ requires for workers: their blocking
 *   commands must wait out a Redis restart instead of failing the job.
 * - 'producer' (API, CLI): fail fast (`enableOfflineQueue: false`) so an HTTP request gets an error
 *   rather than hanging while Redis is down, as BullMQ's docs advise for queues.
 */
export function bullConnectionOptions(url: string, role: 'worker' | 'producer', name?: string): RedisOptions {
  const base = { ...redisOptionsFromUrl(url), connectionName: name, retryStrategy: reconnectDelayMs };
  return role === 'worker' ? { ...base, maxRetriesPerRequest: null } : { ...base, enableOfflineQueue: false };
}

/**
 * Delay before the n-th reconnect attempt, in ms: 100, 200, … capped at 2 s, for every client of
 * the project. BullMQ's own default grows to 20 s (`min(exp(n), 20000)`), so after a 30 s outage a
 * queue could stay away for another 20 s; a 2 s cap costs one connect attempt per 2 s per client.
 */
export const reconnectDelayMs = (times: number): number => Math.min(times * 100, 2000);

/**
 * A client for plain commands (the experiment store) or pub/sub (`subscriber`: a subscribed
 * connection can run nothing else, so it must be its own). Retries each command a few times
 * across reconnects, then fails, so callers see an outage instead of hanging forever.
 *
 * Every pub/sub connection of the project is made here, so that it holds its subscriptions from
 * the start and across every reconnect, whoever subscribes and whenever:
 * - No ready check (`enableReadyCheck: false`). Since ioredis 5.8.2 a SUBSCRIBE issued between
 *   `connect` and `ready` is written before the ready check's INFO; Redis then refuses the INFO
 *   ("only subscriber commands may be used"), and ioredis reconnects without the subscription
 *   while reporting `ready` (redis/ioredis#2037, fixed in ioredis 6, which BullMQ 5 does not
 *   use). The check only waits out a Redis that is still loading its data, and every command a
 *   subscriber sends is allowed while loading, so it has nothing to wait for.
 * - ioredis' `autoResubscribe` (on by default) subscribes again after each reconnect; test
 *   `test/pubsub.e2e-spec.ts` checks it with PUBSUB NUMSUB and CLIENT LIST after a Redis restart.
 */
export function createRedisClient(
  url: string,
  opts: { name?: string; role?: 'commands' | 'subscriber'; log?: (message: string) => void } = {},
): Redis {
  const subscriber = opts.role === 'subscriber';
  const client = new Redis(url, {
    connectionName: opts.name,
    maxRetriesPerRequest: subscriber ? null : 5,
    retryStrategy: reconnectDelayMs,
    ...(subscriber ? { enableReadyCheck: false, autoResubscribe: true } : {}),
  });
  reportConnectionState(client, opts.name ?? 'redis', opts.log ?? ((m) => process.stderr.write(`${m}\n`)));
  return client;
}

/**
 * One line when a connection is lost and one when it is back, instead of ioredis' "Unhandled
 * error event" on stderr for every failed reconnect (one every 2 s of an outage). A client with
 * an 'error' listener is what ioredis expects of its users; the reconnecting goes on regardless.
 * Messages carry the connection's name and the error, never the URL (it holds the password).
 */
export function reportConnectionState(client: Redis, name: string, log: (message: string) => void): void {
  let lost = false;
  client.on('error', (err: Error) => {
    if (lost) return;
    lost = true;
    log(`Redis connection ${name} lost (${err.message}); reconnecting`);
  });
  client.on('ready', () => {
    if (!lost) return;
    lost = false;
    log(`Redis connection ${name} is back`);
  });
}
