import type { ExperimentEvent } from './experiment-events';

// The socket.io contract: one typed map for each direction (the gateway and every client use it).
export interface SubscribeAck {
  ok: boolean;
  error?: string;
  history?: ExperimentEvent[];
  /** Set when the server could not answer for now (Redis away): subscribe again after this many ms. */
  retryAfterMs?: number;
}

export interface ClientToServerEvents {
  subscribe: (req: { id: string }, ack: (res: SubscribeAck) => void) => void;
  unsubscribe: (req: { id: string }, ack?: (res: { ok: boolean }) => void) => void;
}

export interface ServerToClientEvents {
  'experiment:event': (event: ExperimentEvent) => void;
}

export const experimentRoom = (id: string) => `experiment:${id}`;

/** The server-to-client event carrying one stored experiment event. */
export const EXPERIMENT_EVENT = 'experiment:event' satisfies keyof ServerToClientEvents;

/** QUEUE_PREFIX's default (libs/config). */
export const DEFAULT_PREFIX = 'trainyard';

/** @socket.io/redis-adapter's and -emitter's default channel key. */
export const SOCKET_IO_REDIS_KEY = 'socket.io';

/**
 * The Redis channel key that the API's `@socket.io/redis-adapter` and every
 * `@socket.io/redis-emitter` publisher (the experiment store's, in workers and the API) must share.
 * The default prefix keeps socket.io's default key; any other prefix (a second deployment on the
 * same Redis, a test) gets its own, so their broadcasts never cross.
 */
export function socketIoRedisKey(prefix: string): string {
  return prefix === DEFAULT_PREFIX ? SOCKET_IO_REDIS_KEY : `${prefix}:${SOCKET_IO_REDIS_KEY}`;
}
