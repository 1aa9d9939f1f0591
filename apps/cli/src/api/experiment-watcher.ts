import { io, type Socket } from 'socket.io-client';
import {
  TERMINAL_EVENT_TYPES,
  type ClientToServerEvents,
  type ExperimentEvent,
  type ServerToClientEvents,
  type SubscribeAck,
} from '@trainyard/contracts';

/**
 * Follows experiments over socket.io until each reaches a terminal event. Events are merged by
 * `seq`: the ack's history first, then live events past it, none twice; after a reconnect (an API
 * restart) it subscribes again and takes only what it has not seen.
 */
export function watchExperiments(
  baseUrl: string,
  token: string,
  ids: string[],
  onEvent: (event: ExperimentEvent) => void,
): { done: Promise<Map<string, ExperimentEvent>>; close(): void } {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(baseUrl, { auth: { token }, transports: ['websocket'] });
  const lastSeq = new Map(ids.map((id) => [id, 0]));
  const terminal = new Map<string, ExperimentEvent>();
  let settle!: (v: Map<string, ExperimentEvent>) => void;
  let fail!: (err: Error) => void;
  const done = new Promise<Map<string, ExperimentEvent>>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });

  const accept = (event: ExperimentEvent) => {
    const seen = lastSeq.get(event.id);
    if (seen === undefined || event.seq <= seen) return;
    lastSeq.set(event.id, event.seq);
    onEvent(event);
    if (TERMINAL_EVENT_TYPES.has(event.type)) {
      terminal.set(event.id, event);
      if (terminal.size === ids.length) {
        socket.close();
        settle(terminal);
      }
    }
  };

  // Listen before subscribing: live events may arrive before the ack that carries the history.
  const early: ExperimentEvent[] = [];
  let subscribing = 0;
  socket.on('experiment:event', (event) => (subscribing > 0 ? early.push(event) : accept(event)));
  const subscribe = (id: string) => {
    if (terminal.has(id) || !socket.connected) return;
    subscribing++;
    socket.emit('subscribe', { id }, (ack: SubscribeAck) => {
      subscribing--;
      if (!ack.ok && ack.retryAfterMs !== undefined) {
        // The API is up but its Redis is not: follow on once it is back, rather than give up.
        setTimeout(() => subscribe(id), ack.retryAfterMs).unref();
      } else if (!ack.ok) {
        socket.close();
        fail(new Error(`cannot follow ${id}: ${ack.error ?? 'refused'}`));
        return;
      }
      for (const e of ack.history ?? []) accept(e);
      if (subscribing === 0) early.splice(0).sort((a, b) => a.seq - b.seq).forEach(accept);
    });
  };
  socket.on('connect', () => ids.forEach(subscribe));
  socket.on('connect_error', (err) => {
    // socket.io retries transport errors itself; an auth refusal is final.
    if (!socket.active) fail(new Error(`socket refused: ${err.message}`));
  });
  return { done, close: () => socket.close() };
}
