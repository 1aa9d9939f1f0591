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
  const base = { ...redisOptionsFromUrl(url), connectionName: name };
  return role === 'worker' ? { ...base, maxRetriesPerRequest: null } : { ...base, enableOfflineQueue: false };
}

/**
 * A client for plain commands (the experiment store) or pub/sub (`subscriber`: a subscribed
 * connection can run nothing else, so it must be its own). Retries each command a few times
 * across reconnects, then fails, so callers see an outage instead of hanging forever.
 */
export function createRedisClient(url: string, opts: { name?: string; role?: 'commands' | 'subscriber' } = {}): Redis {
  return new Redis(url, {
    connectionName: opts.name,
    maxRetriesPerRequest: opts.role === 'subscriber' ? null : 5,
    // Reconnect with a capped backoff; ioredis' default, made explicit.
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
}
