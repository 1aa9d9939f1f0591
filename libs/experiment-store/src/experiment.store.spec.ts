import Redis from 'ioredis';
import { presetSpec } from '@trainyard/contracts';
import { deleteKeys, testPrefix, until, useTestRedis } from '@trainyard/testing';
import { subscribeToCancellations } from './experiment-cancellation';
import { ExperimentNotFoundError, ExperimentStore, FencedOutError } from './experiment.store';

const spec = presetSpec('mnist-fc', { dataset: 'synthetic', limit: 64 });
const progress = (batch: number) =>
  ({ type: 'progress', epoch: 1, epochs: 1, batch, batches: 100, loss: 1, batchAccuracy: 0.5, runningAccuracy: 0.5, samplesPerSec: 10 }) as const;

describe('ExperimentStore', () => {
  const t = useTestRedis();
  let prefix: string;
  let store: ExperimentStore;

  beforeEach(() => {
    prefix = testPrefix();
    store = new ExperimentStore(t.redis, { prefix, retentionDays: 30 });
  });
  afterEach(() => deleteKeys(t.redis, prefix));

  it('creates a queued record and reads it back', async () => {
    const created = await store.create({ owner: 'alice', spec, suite: 'week2-mnist' });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    await expect(store.get(created.id)).resolves.toEqual(created);
    expect(created).toMatchObject({ owner: 'alice', status: 'queued', lastSeq: 0, suite: 'week2-mnist' });
    await expect(store.get('nope')).resolves.toBeNull();
  });

  it('numbers events 1, 2, 3... with no gap or repeat under concurrent appends from two connections', async () => {
    const { id } = await store.create({ owner: 'alice', spec });
    const other = new Redis(t.server.url);
    try {
      const otherStore = new ExperimentStore(other, { prefix });
      await store.appendEvent(id, { type: 'started', backend: 'cpu', worker: 'w1', params: 1, trainSamples: 1, testSamples: 1, epochs: 1, batches: 100 });
      // Events without a training position (progress and epoch must come in order: see below).
      const appended = await Promise.all(
        Array.from({ length: 60 }, (_, i) => (i % 2 ? store : otherStore).appendEvent(id, { type: 'resumed', fromEpoch: 1, fromBatch: i })),
      );
      const seqs = appended.map((e) => e!.seq).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 2));
      const history = await store.events(id);
      expect(history.map((e) => e.seq)).toEqual(Array.from({ length: 61 }, (_, i) => i + 1));
      expect(history.every((e) => e.id === id && typeof e.at === 'string')).toBe(true);
      expect((await store.events(id, 58)).map((e) => e.seq)).toEqual([59, 60, 61]);
      expect(await store.get(id)).toMatchObject({ status: 'running', worker: 'w1', backend: 'cpu', lastSeq: 61 });
    } finally {
      await other.quit();
    }
  });

  it('keeps each batch and epoch once: a resumed run training a stretch again adds nothing for it', async () => {
    const { id } = await store.create({ owner: 'alice', spec });
    const started = { type: 'started', backend: 'cpu', worker: 'w1', params: 1, trainSamples: 1, testSamples: 1, epochs: 2, batches: 100 } as const;
    const epoch = (n: number) => ({ type: 'epoch', epochs: 2, epoch: n, trainLoss: 1, trainAccuracy: 0.5, testLoss: 1, testAccuracy: 0.5, seconds: 1, samplesPerSec: 1 }) as never;
    await store.appendEvent(id, started);
    for (const b of [1, 2, 3]) expect(await store.appendEvent(id, progress(b))).not.toBeNull();
    expect(await store.appendEvent(id, epoch(1))).not.toBeNull();
    expect(await store.appendEvent(id, { ...progress(1), epoch: 2 })).not.toBeNull();
    // The worker died; the next one resumes from the checkpoint at the end of epoch 1, or from
    // scratch, and sends what it trains again: none of it is stored twice.
    await store.appendEvent(id, started);
    await store.appendEvent(id, { type: 'resumed', fromEpoch: 1, fromBatch: 2 });
    for (const b of [2, 3]) await expect(store.appendEvent(id, progress(b))).resolves.toBeNull();
    await expect(store.appendEvent(id, epoch(1))).resolves.toBeNull();
    await expect(store.appendEvent(id, { ...progress(1), epoch: 2 })).resolves.toBeNull();
    // ...and the run goes on past where it was.
    expect(await store.appendEvent(id, { ...progress(2), epoch: 2 })).toMatchObject({ type: 'progress', epoch: 2, batch: 2 });
    const history = await store.events(id);
    const points = history.filter((e) => e.type === 'progress' || e.type === 'epoch').map((e) => (e.type === 'epoch' ? `E${e.epoch}` : `${e.epoch}.${e.batch}`));
    expect(points).toEqual(['1.1', '1.2', '1.3', 'E1', '2.1', '2.2']);
    expect(history.map((e) => e.seq)).toEqual(history.map((_, i) => i + 1));
  });

  it('with a fence, appends only while the lock key holds the token (a worker that lost its job lock stores nothing)', async () => {
    const { id } = await store.create({ owner: 'alice', spec });
    const lockKey = `${prefix}:training:${id}:lock`;
    await t.redis.set(lockKey, 'token-a');
    const fenceA = { lockKey, token: 'token-a' };
    expect(await store.appendEvent(id, progress(1), fenceA)).toMatchObject({ seq: 1 });
    // The lock expired and another worker took the job: worker A's next event is refused.
    await t.redis.set(lockKey, 'token-b');
    await expect(store.appendEvent(id, progress(2), fenceA)).rejects.toBeInstanceOf(FencedOutError);
    await t.redis.del(lockKey);
    await expect(store.appendEvent(id, progress(2), fenceA)).rejects.toBeInstanceOf(FencedOutError);
    expect((await store.events(id)).map((e) => e.seq)).toEqual([1]);
    // Without a fence (the API's own events), appends go on as before.
    expect(await store.appendEvent(id, progress(2))).toMatchObject({ seq: 2 });
  });

  it('refuses any event after a terminal one', async () => {
    const { id } = await store.create({ owner: 'alice', spec });
    await store.appendEvent(id, progress(1));
    const result = { testAccuracy: 0.9 } as never;
    const done = await store.appendEvent(id, { type: 'completed', result });
    expect(done).toMatchObject({ seq: 2, type: 'completed' });
    await expect(store.appendEvent(id, progress(2))).resolves.toBeNull();
    await expect(store.appendEvent(id, { type: 'failed', error: 'late' })).resolves.toBeNull();
    expect((await store.events(id)).map((e) => e.type)).toEqual(['progress', 'completed']);
    expect(await store.get(id)).toMatchObject({ status: 'completed', result, lastSeq: 2 });
    expect((await store.get(id))!.finishedAt).toBeDefined();
  });

  it('throws for an event on an unknown experiment', async () => {
    await expect(store.appendEvent('missing', progress(1))).rejects.toBeInstanceOf(ExperimentNotFoundError);
  });

  it('records failures and re-queueing', async () => {
    const { id } = await store.create({ owner: 'alice', spec });
    await store.appendEvent(id, { type: 'started', backend: 'cpu', worker: 'w1', params: 1, trainSamples: 1, testSamples: 1, epochs: 1, batches: 1 });
    await store.appendEvent(id, { type: 'queued', position: 0 });
    expect((await store.get(id))!.status).toBe('queued');
    await store.appendEvent(id, { type: 'failed', error: 'boom' });
    expect(await store.get(id)).toMatchObject({ status: 'failed', error: 'boom', lastSeq: 3 });
  });

  it('annotates a run with tags and a note: a field left out is kept, and an unknown id creates nothing', async () => {
    const { id } = await store.create({ owner: 'alice', spec });
    await expect(store.annotate(id, { tags: ['baseline', 'lr:0.1'], note: 'first try' })).resolves.toMatchObject({ tags: ['baseline', 'lr:0.1'], note: 'first try' });
    await expect(store.annotate(id, { note: 'second look' })).resolves.toMatchObject({ tags: ['baseline', 'lr:0.1'], note: 'second look' });
    const cleared = await store.annotate(id, { tags: [], note: '' });
    expect(cleared).not.toHaveProperty('tags');
    expect(cleared).not.toHaveProperty('note');
    expect((await store.list({ owner: 'alice' }))[0]).toMatchObject({ id, status: 'queued' });
    await expect(store.annotate('0b6f0000-0000-4000-8000-000000000000', { note: 'x' })).resolves.toBeNull();
    expect(await t.redis.exists(store.keys.record('0b6f0000-0000-4000-8000-000000000000'))).toBe(0);
  });

  it('lists newest first, all or one owner', async () => {
    const a1 = await store.create({ owner: 'alice', spec });
    await new Promise((r) => setTimeout(r, 5));
    const b1 = await store.create({ owner: 'bob', spec });
    await new Promise((r) => setTimeout(r, 5));
    const a2 = await store.create({ owner: 'alice', spec });
    expect((await store.list()).map((r) => r.id)).toEqual([a2.id, b1.id, a1.id]);
    expect((await store.list({ owner: 'alice' })).map((r) => r.id)).toEqual([a2.id, a1.id]);
    expect((await store.list({ owner: 'bob' })).map((r) => r.id)).toEqual([b1.id]);
    expect(await store.list({ owner: 'carol' })).toEqual([]);
    expect((await store.list({ limit: 1 })).map((r) => r.id)).toEqual([a2.id]);
  });

  it('trims finished experiments older than the retention, and nothing else', async () => {
    const finished = await store.create({ owner: 'alice', spec });
    const running = await store.create({ owner: 'alice', spec });
    await store.appendEvent(finished.id, { type: 'cancelled' });
    await store.appendEvent(running.id, progress(1));
    await expect(store.trimExpired()).resolves.toBe(0);
    await expect(store.trimExpired(Date.now() + 29 * 86_400_000)).resolves.toBe(0);
    await expect(store.trimExpired(Date.now() + 31 * 86_400_000)).resolves.toBe(1);
    await expect(store.get(finished.id)).resolves.toBeNull();
    await expect(store.events(finished.id)).resolves.toEqual([]);
    expect((await store.list({ owner: 'alice' })).map((r) => r.id)).toEqual([running.id]);
    expect(await store.get(running.id)).toMatchObject({ status: 'queued', lastSeq: 1 });
  });

  it("adds up every attempt's saved training time (the last save of each wins), and deletes it with the run", async () => {
    const run = await store.create({ owner: 'alice', spec });
    await expect(store.attemptsTime(run.id)).resolves.toBe(0);
    await store.saveAttemptTime(run.id, 'attempt-1', 5_000);
    await store.saveAttemptTime(run.id, 'attempt-1', 12_400.6);
    await store.saveAttemptTime(run.id, 'attempt-2', 3_000);
    await expect(store.attemptsTime(run.id)).resolves.toBe(15_401);
    await store.remove(run.id);
    await expect(store.attemptsTime(run.id)).resolves.toBe(0);
  });

  it('creates within a queued limit, all or none, and counts queued experiments by status', async () => {
    const two = await store.createQueued('alice', [{ spec }, { spec }], 3);
    expect(two.created).toBe(true);
    await expect(store.createQueued('alice', [{ spec }, { spec }], 3)).resolves.toEqual({ created: false, queued: 2 });
    expect(await store.list({ owner: 'alice' })).toHaveLength(2);
    await expect(store.createQueued('bob', [{ spec }, { spec }], 3)).resolves.toMatchObject({ created: true });

    const [first, second] = two.created ? two.records : [];
    await store.appendEvent(first.id, { type: 'started', backend: 'cpu', params: 1, trainSamples: 1, testSamples: 1, epochs: 1, batches: 1 });
    expect(await store.queuedCount('alice')).toBe(1);
    await store.appendEvent(first.id, { type: 'queued', position: 1 }); // handed back to the queue
    expect(await store.queuedIds('alice')).toEqual(expect.arrayContaining([first.id, second.id]));
    await store.requestCancel(second.id);
    await store.appendEvent(first.id, { type: 'failed', error: 'x' });
    expect(await store.queuedCount('alice')).toBe(0);
    await expect(store.createQueued('alice', [{ spec }, { spec }, { spec }], 3)).resolves.toMatchObject({ created: true });
  });

  it('cancels a queued experiment at once, and signals a running one on the cancel channel', async () => {
    const subscriber = new Redis(t.server.url);
    const heard: string[] = [];
    const unsubscribe = await subscribeToCancellations(subscriber, prefix, (id) => heard.push(id));
    try {
      const queued = await store.create({ owner: 'alice', spec });
      const cancelled = await store.requestCancel(queued.id);
      expect(cancelled).toMatchObject({ status: 'cancelled', cancelRequested: true });
      expect((await store.events(queued.id)).map((e) => e.type)).toEqual(['cancelled']);

      const running = await store.create({ owner: 'alice', spec });
      await store.appendEvent(running.id, { type: 'started', backend: 'cpu', params: 1, trainSamples: 1, testSamples: 1, epochs: 1, batches: 1 });
      expect(await store.requestCancel(running.id)).toMatchObject({ status: 'running', cancelRequested: true });
      await until(() => heard.includes(running.id), 'the cancel request to be heard');

      await expect(store.requestCancel('missing')).resolves.toBeNull();
      const again = await store.requestCancel(queued.id);
      expect(again!.lastSeq).toBe(1);
    } finally {
      await unsubscribe();
      await subscriber.quit();
    }
  });
});
