import { Emitter } from '@socket.io/redis-emitter';
import type Redis from 'ioredis';
import { EXPERIMENT_EVENT, experimentRoom, type ExperimentEvent, type ServerToClientEvents } from '@trainyard/contracts';

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
