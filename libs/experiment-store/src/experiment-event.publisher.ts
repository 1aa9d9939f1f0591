import { Emitter } from '@socket.io/redis-emitter';
import type Redis from 'ioredis';
import { experimentRoom, type ExperimentEvent, type ServerToClientEvents } from '@trainyard/contracts';

/** @socket.io/redis-adapter's and -emitter's default channel key. */
export const SOCKET_IO_REDIS_KEY = 'socket.io';

/**
 * The key the API's `@socket.io/redis-adapter` and every publisher must share. The default
 * prefix keeps socket.io's default key; any other prefix (a second deployment on the same Redis,
 * a test) gets its own, so their broadcasts never cross.
 */
export const DEFAULT_PREFIX = 'trainyard';
export function socketIoRedisKey(prefix: string): string {
  return prefix === DEFAULT_PREFIX ? SOCKET_IO_REDIS_KEY : `${prefix}:${SOCKET_IO_REDIS_KEY}`;
}

export const EXPERIMENT_EVENT = 'experiment:event' satisfies keyof ServerToClientEvents;

/**
 * Sends stored events to socket.io room `experimentRoom(id)` on every API instance, through
 * Redis pub/sub, from any process (worker or API). Fire-and-forget: a lost live event is
 * recovered from the store's history by seq, so a publish error is reported, never thrown.
 */
export class ExperimentEventPublisher {
  private readonly emitter: Emitter<ServerToClientEvents>;

  constructor(redis: Redis, opts: { key: string; onError?: (err: Error) => void }) {
    const onError = opts.onError ?? (() => {});
    // The emitter calls publish() without handling its promise; catch here so a Redis hiccup
    // cannot become an unhandled rejection that kills the process.
    const client = { publish: (channel: string, message: string | Buffer) => redis.publish(channel, message).catch(onError) };
    this.emitter = new Emitter<ServerToClientEvents>(client, { key: opts.key });
  }

  publish(event: ExperimentEvent): void {
    this.emitter.to(experimentRoom(event.id)).emit(EXPERIMENT_EVENT, event);
  }
}
