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
