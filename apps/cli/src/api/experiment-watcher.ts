import { io, type Socket } from 'socket.io-client';
import {
  EventLog,
  isTerminal,
  type ClientToServerEvents,
  type ExperimentEvent,
  type ServerToClientEvents,
  type SubscribeAck,
} from '@trainyard/contracts';

/**
 * Follows experiments over socket.io until each reaches a terminal event. Events are merged by
 * `seq` in an EventLog per run: the ack's history first, then live events past it, none twice; an
 * event past a gap makes it subscribe again (the history fills the gap), and so does a reconnect
 * (an API restart), taking only what it has not seen.
 */
export function watchExperiments(
  baseUrl: string,
  token: string,
  ids: string[],
  onEvent: (event: ExperimentEvent) => void,
): { done: Promise<Map<string, ExperimentEvent>>; close(): void } {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(baseUrl, { auth: { token }, transports: ['websocket'] });
  const logs = new Map(ids.map((id) => [id, new EventLog()]));
  const terminal = new Map<string, ExperimentEvent>();
  let settle!: (v: Map<string, ExperimentEvent>) => void;
  let fail!: (err: Error) => void;
  const done = new Promise<Map<string, ExperimentEvent>>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });

  const accept = (id: string, events: readonly ExperimentEvent[]) => {
    const log = logs.get(id);
    if (!log) return;
    const before = log.events.length;
    const { gap } = log.add(events);
    for (const event of log.events.slice(before)) {
      onEvent(event);
      if (isTerminal(event.type)) {
        terminal.set(event.id, event);
        if (terminal.size === ids.length) {
          socket.close();
          settle(terminal);
        }
      }
    }
    if (gap) subscribe(id);
  };

  // Listen before subscribing: live events may arrive before the ack that carries the history.
  const early: ExperimentEvent[] = [];
  let subscribing = 0;
  socket.on('experiment:event', (event) => (subscribing > 0 ? early.push(event) : accept(event.id, [event])));
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
      accept(id, ack.history ?? []);
      if (subscribing === 0) {
        const held = early.splice(0);
        for (const runId of new Set(held.map((e) => e.id))) accept(runId, held.filter((e) => e.id === runId));
      }
    });
  };
  socket.on('connect', () => ids.forEach(subscribe));
  socket.on('connect_error', (err) => {
    // socket.io retries transport errors itself; an auth refusal is final.
    if (!socket.active) fail(new Error(`socket refused: ${err.message}`));
  });
  return { done, close: () => socket.close() };
}
