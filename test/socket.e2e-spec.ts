// The socket.io gateway against a real Redis: handshake auth, subscribe with history in the ack,
// live events through the Redis adapter (published once by a store, as a worker's is), no gap and
// no duplicate for a late subscriber, and two API instances serving the same events.
import request from 'supertest';
import type { ExperimentEvent, ExperimentEventBody } from '@trainyard/contracts';
import { auth, clientLog, startHarness, subscribe, type ApiInstance, type Harness, type TypedSocket } from '../apps/api/testing/api-harness';
import { until } from '@trainyard/testing';
import { seqs } from './support/experiments';

jest.setTimeout(30_000);

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const started: ExperimentEventBody = { type: 'started', backend: 'cpu', worker: 'w1', params: 6422, trainSamples: 100, testSamples: 10, epochs: 1, batches: 2 };
const progress = (batch: number): ExperimentEventBody => ({ type: 'progress', epoch: 1, epochs: 1, batch, batches: 1000, loss: 1 / batch, batchAccuracy: 0.5, runningAccuracy: 0.5, samplesPerSec: 100 });

async function newExperiment(user: 'alice' | 'bob' = 'alice', api: ApiInstance = h.api): Promise<string> {
  const res = await request(api.url).post('/api/experiments').set(auth(user)).send({ preset: 'mnist-cnn', limit: 100, epochs: 1 });
  expect(res.status).toBe(201);
  return res.body.id;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('handshake', () => {
  it.each([
    ['no token', {}],
    ['an unknown token', { token: 'not-a-roster-token-000000' }],
    ['a non-string token', { token: { $ne: null } }],
  ])('refuses %s with connect_error "unauthorized"', async (_, handshake) => {
    await expect(h.connect(handshake)).rejects.toThrow('unauthorized');
  });

  it('admits a roster token', async () => {
    const socket = await h.connect('alice');
    expect(socket.connected).toBe(true);
  });
});

describe('subscribe', () => {
  it('acks the history so far, then delivers live events', async () => {
    const id = await newExperiment();
    const socket = await h.connect('alice');
    const { ack, live } = await subscribe(socket, id);
    expect(ack.ok).toBe(true);
    expect(ack.history).toEqual([expect.objectContaining({ id, seq: 1, type: 'queued' })]);

    await h.store.appendEvent(id, started);
    await h.store.appendEvent(id, progress(1));
    await until(() => live.length >= 2, 'two live events');
    expect(live.map((e) => [e.seq, e.type])).toEqual([
      [2, 'started'],
      [3, 'progress'],
    ]);
  });

  it('answers another student’s experiment, an unknown id and a malformed request with the same error ack', async () => {
    const id = await newExperiment('alice');
    const bob = await h.connect('bob');
    const other = await subscribe(bob, id);
    expect(other.ack).toEqual({ ok: false, error: 'not found' });
    expect((await subscribe(bob, '00000000-0000-4000-8000-000000000000')).ack).toEqual({ ok: false, error: 'not found' });
    const malformed = await new Promise((resolve) => (bob.emit as any)('subscribe', 'nope', resolve));
    expect(malformed).toEqual({ ok: false, error: 'not found' });

    // Refused means not in the room either: nothing of alice's reaches bob.
    const watcher = await subscribe(await h.connect('alice'), id);
    await h.store.appendEvent(id, started);
    await until(() => watcher.live.length === 1, 'the owner to get the event');
    expect(other.live).toEqual([]);
  });

  it('lets an admin subscribe to any experiment', async () => {
    const id = await newExperiment('bob');
    const { ack } = await subscribe(await h.connect('admin'), id);
    expect(ack.ok).toBe(true);
  });

  it('a late subscriber gets the history, then live events with contiguous seq, no gap and no duplicate', async () => {
    const id = await newExperiment();
    await h.store.appendEvent(id, started);
    for (let b = 1; b <= 5; b++) await h.store.appendEvent(id, progress(b));

    const { ack, live } = await subscribe(await h.connect('alice'), id);
    expect(seqs(ack.history!)).toEqual(range(1, 7));
    for (let b = 6; b <= 10; b++) await h.store.appendEvent(id, progress(b));
    await h.store.appendEvent(id, { type: 'cancelled', reason: 'test' });
    await until(() => live.some((e) => e.type === 'cancelled'), 'the terminal event');
    expect(seqs(clientLog(ack, live))).toEqual(range(1, 13));
  });

  it('subscribing while a worker is appending loses nothing: merged seqs are 1..N exactly', async () => {
    const id = await newExperiment();
    await h.store.appendEvent(id, started);
    let appending = true;
    const writer = (async () => {
      for (let b = 1; appending || b < 40; b++) await h.store.appendEvent(id, progress(b));
      await h.store.appendEvent(id, { type: 'failed', error: 'end of test' });
    })();
    const sockets = await Promise.all([h.connect('alice'), h.connect('alice'), h.connect('alice')]);
    const subs = [];
    for (const socket of sockets) subs.push(await subscribe(socket, id)); // one after another, mid-stream
    appending = false;
    await writer;
    const last = (await h.store.get(id))!.lastSeq;
    for (const { ack, live } of subs) {
      await until(() => live.some((e) => e.type === 'failed'), 'the failed event');
      expect(seqs(clientLog(ack, live))).toEqual(range(1, last));
    }
  });

  it('delivers each event once per socket however often it subscribes; unsubscribe stops delivery', async () => {
    const id = await newExperiment();
    const socket = await h.connect('alice');
    const first = await subscribe(socket, id);
    await subscribe(socket, id);
    await subscribe(socket, id);
    const control = await subscribe(await h.connect('alice'), id);

    await h.store.appendEvent(id, started);
    await h.store.appendEvent(id, progress(1));
    await until(() => control.live.length === 2 && first.live.length >= 2, 'both sockets to get two events');
    expect(seqs(first.live)).toEqual([2, 3]);

    const ackUnsub = await new Promise((resolve) => socket.emit('unsubscribe', { id }, resolve));
    expect(ackUnsub).toEqual({ ok: true });
    await h.store.appendEvent(id, progress(2));
    await h.store.appendEvent(id, { type: 'cancelled' });
    await until(() => control.live.length === 4, 'the control socket to get two more');
    // Both sockets are fed by the same Redis message; by now the unsubscribed one would have it.
    await new Promise((r) => setTimeout(r, 50));
    expect(seqs(first.live)).toEqual([2, 3]);
  });

  it('events appended by the API itself (cancel) reach subscribers', async () => {
    const id = await newExperiment();
    const { live } = await subscribe(await h.connect('alice'), id);
    const res = await request(h.api.url).post(`/api/experiments/${id}/cancel`).set(auth('alice'));
    expect(res.status).toBe(200);
    await until(() => live.length === 1, 'the cancelled event');
    expect(live[0]).toMatchObject({ id, seq: 2, type: 'cancelled' });
  });
});

describe('two API instances sharing Redis', () => {
  it('both deliver an event emitted once, to sockets connected to either', async () => {
    const second = await h.startApi();
    const id = await newExperiment('alice', second);
    const onFirst: TypedSocket = await h.connect('alice', h.api);
    const onSecond: TypedSocket = await h.connect('admin', second);
    const a = await subscribe(onFirst, id);
    const b = await subscribe(onSecond, id);
    expect(a.ack.history).toEqual(b.ack.history);

    await h.store.appendEvent(id, started); // published once, by a store outside both APIs
    await until(() => a.live.length === 1 && b.live.length === 1, 'both sockets to get the event');
    await h.store.appendEvent(id, { type: 'cancelled' });
    await until(() => a.live.length === 2 && b.live.length === 2, 'both sockets to get the second event');
    expect(seqs(a.live)).toEqual([2, 3]);
    expect(b.live).toEqual(a.live);
  });
});
