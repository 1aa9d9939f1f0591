import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import type { ClientToServerEvents, ExperimentEvent, ServerToClientEvents, SubscribeAck } from '@trainyard/contracts';
import { watchExperiments } from './experiment-watcher';

// A socket.io server in this process stands in for the API's gateway, so the test decides exactly
// which events the history and the live stream carry.

const ID = 'run-1';
const ev = (seq: number, type: 'queued' | 'completed' = 'queued'): ExperimentEvent =>
  type === 'queued'
    ? { id: ID, seq, at: '2026-01-01T00:00:00Z', type, position: seq }
    : ({ id: ID, seq, at: '2026-01-01T00:00:00Z', type, result: {} } as ExperimentEvent);

describe('watchExperiments', () => {
  let http: HttpServer;
  let io: Server<ClientToServerEvents, ServerToClientEvents>;
  let url: string;

  beforeEach(async () => {
    http = createServer();
    io = new Server(http);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => io.close(() => resolve()));
  });

  it('merges history and live events by seq, and subscribes again past a gap so the history fills it', async () => {
    // The stored history grows as the run goes on; the first subscribe sees seq 1, the next all three.
    const stored = [ev(1), ev(2), ev(3, 'completed')];
    const acks: number[] = [];
    io.on('connection', (socket) => {
      socket.on('subscribe', ({ id }, ack: (res: SubscribeAck) => void) => {
        const history = acks.length === 0 ? stored.slice(0, 1) : stored;
        acks.push(history.length);
        ack({ ok: true, history: history.filter((e) => e.id === id) });
        // seq 2 is lost on the way: the live stream jumps from the history's 1 to 3.
        if (acks.length === 1) setImmediate(() => socket.emit('experiment:event', stored[2]));
      });
    });

    const seen: number[] = [];
    const watch = watchExperiments(url, 'token', [ID], (e) => seen.push(e.seq));
    try {
      const terminal = await watch.done;
      expect(seen).toEqual([1, 2, 3]);
      expect(acks).toEqual([1, 3]);
      expect(terminal.get(ID)?.seq).toBe(3);
    } finally {
      watch.close();
    }
  });

  it('reports an event that the history and the live stream both carry once', async () => {
    io.on('connection', (socket) => {
      socket.on('subscribe', (_req, ack: (res: SubscribeAck) => void) => {
        // Live events sent before the ack (the gateway joins the room first) are held, then merged.
        socket.emit('experiment:event', ev(2));
        ack({ ok: true, history: [ev(1), ev(2)] });
        setImmediate(() => {
          socket.emit('experiment:event', ev(2));
          socket.emit('experiment:event', ev(3, 'completed'));
        });
      });
    });

    const seen: number[] = [];
    const watch = watchExperiments(url, 'token', [ID], (e) => seen.push(e.seq));
    try {
      await watch.done;
      expect(seen).toEqual([1, 2, 3]);
    } finally {
      watch.close();
    }
  });
});
