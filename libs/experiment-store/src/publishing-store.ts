import type Redis from 'ioredis';
import { socketIoRedisKey } from '@trainyard/contracts';
import { ExperimentEventPublisher } from './experiment-event.publisher';
import { ExperimentStore } from './experiment.store';

/**
 * The store as every process that appends events builds it (CoreModule for the API and the
 * worker, the API test harness, the socket benchmark): each appended event is also published to
 * the socket.io rooms of every API instance sharing `prefix`. `onPublishError` hears a failed
 * publish (clients recover the event from the history), which is never thrown.
 */
export function createPublishingStore(redis: Redis, opts: { prefix: string; onPublishError?: (err: Error) => void }): ExperimentStore {
  return new ExperimentStore(redis, {
    prefix: opts.prefix,
    publisher: new ExperimentEventPublisher(redis, { key: socketIoRedisKey(opts.prefix), onError: opts.onPublishError }),
  });
}
