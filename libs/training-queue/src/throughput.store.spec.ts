import { deleteKeys, testPrefix, useTestRedis } from '@trainyard/testing';
import { THROUGHPUT_SMOOTHING } from '@trainyard/contracts';
import { ThroughputStore } from './throughput.store';

// Against a real Redis: what the workers record is what the API reads back, smoothed per model and backend.
describe('ThroughputStore', () => {
  const t = useTestRedis();
  let prefix: string;
  let store: ThroughputStore;
  beforeEach(() => {
    prefix = testPrefix();
    store = new ThroughputStore(t.redis, { prefix });
  });
  afterEach(() => deleteKeys(t.redis, prefix));

  it('keeps one smoothed FLOP/s per model, backend and batch size, with its run count and time', async () => {
    const first = new Date('2026-12-01T10:00:00Z');
    const second = new Date('2026-12-01T11:00:00Z');
    expect(await store.record('vgg16', 'wasm', 128, 10e9, first)).toBe(1);
    expect(await store.record('vgg16', 'wasm', 128, 20e9, second)).toBe(2);
    expect(await store.record('cnn', 'tensorflow-gpu', 64, 5e9, first)).toBe(1);
    const all = await store.all();
    expect(all).toHaveLength(2);
    expect(all).toContainEqual({ model: 'vgg16', backend: 'wasm', batchSize: 128, flopsPerSec: 10e9 + THROUGHPUT_SMOOTHING * (20e9 - 10e9), runs: 2, updatedAt: second.toISOString() });
    expect(all).toContainEqual({ model: 'cnn', backend: 'tensorflow-gpu', batchSize: 64, flopsPerSec: 5e9, runs: 1, updatedAt: first.toISOString() });
    expect(await t.redis.hkeys(store.key)).toEqual(expect.arrayContaining(['wasm/vgg16/128', 'tensorflow-gpu/cnn/64']));
  });

  it('an unusual batch size is a measurement of its own: a batch-1 run leaves the batch-64 figure as it was', async () => {
    await store.record('cnn', 'wasm', 64, 10e9);
    expect(await store.record('cnn', 'wasm', 1, 1e9)).toBe(1);
    const all = await store.all();
    expect(all).toHaveLength(2);
    expect(all).toContainEqual(expect.objectContaining({ batchSize: 64, flopsPerSec: 10e9, runs: 1 }));
    expect(all).toContainEqual(expect.objectContaining({ batchSize: 1, flopsPerSec: 1e9, runs: 1 }));
  });

  it('ignores a field of the older `<backend>/<model>` format: whole-run wall time of mixed batch sizes, not comparable', async () => {
    await t.redis.hset(store.key, 'wasm/cnn', JSON.stringify({ flopsPerSec: 1e9, runs: 4, updatedAt: '2026-11-30T00:00:00.000Z' }));
    await store.record('cnn', 'wasm', 64, 2e9);
    expect(await store.all()).toEqual([expect.objectContaining({ model: 'cnn', backend: 'wasm', batchSize: 64, flopsPerSec: 2e9, runs: 1 })]);
  });

  it('ignores a run with no rate or no batch', async () => {
    expect(await store.record('cnn', 'wasm', 64, 0)).toBe(0);
    expect(await store.record('cnn', 'wasm', 64, NaN)).toBe(0);
    expect(await store.record('cnn', 'wasm', 0, 1e9)).toBe(0);
    expect(await store.all()).toEqual([]);
  });

  it('is shared by every client of the same prefix, and separate across prefixes', async () => {
    await store.record('cnn', 'wasm', 64, 1e9);
    expect(await new ThroughputStore(t.connect(), { prefix }).all()).toHaveLength(1);
    expect(await new ThroughputStore(t.redis, { prefix: testPrefix() }).all()).toEqual([]);
  });
});
