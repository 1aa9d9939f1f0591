import type Redis from 'ioredis';
import { cancelChannel } from './experiment-keys';

/**
 * Calls `onCancel(id)` for every cancellation requested through `ExperimentStore.requestCancel`,
 * from any process. `subscriber` becomes a pub/sub connection: give it a client of its own.
 * Returns an unsubscribe function. Pub/sub is fire-and-forget, so a worker also checks the
 * record's `cancelRequested` flag when it starts a job.
 */
export async function subscribeToCancellations(subscriber: Redis, prefix: string, onCancel: (id: string) => void): Promise<() => Promise<void>> {
  const channel = cancelChannel(prefix);
  const listener = (ch: string, message: string) => {
    if (ch === channel) onCancel(message);
  };
  subscriber.on('message', listener);
  await subscriber.subscribe(channel);
  return async () => {
    subscriber.off('message', listener);
    await subscriber.unsubscribe(channel);
  };
}
