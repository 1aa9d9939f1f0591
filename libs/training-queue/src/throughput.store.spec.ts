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

  it('keeps one smoothed FLOP/s per model and backend, with its run count and time', async () => {
    const first = new Date('2026-12-01T10:00:00Z');
    const second = new Date('2026-12-01T11:00:00Z');
    expect(await store.record('vgg16', 'wasm', 100e9, 10, first)).toBe(1);
    expect(await store.record('vgg16', 'wasm', 200e9, 10, second)).toBe(2);
    expect(await store.record('cnn', 'tensorflow-gpu', 5e9, 1, first)).toBe(1);
    const all = await store.all();
    expect(all).toHaveLength(2);
    expect(all).toContainEqual({ model: 'vgg16', backend: 'wasm', flopsPerSec: 10e9 + THROUGHPUT_SMOOTHING * (20e9 - 10e9), runs: 2, updatedAt: second.toISOString() });
    expect(all).toContainEqual({ model: 'cnn', backend: 'tensorflow-gpu', flopsPerSec: 5e9, runs: 1, updatedAt: first.toISOString() });
  });

  it('ignores a run with no work or no time', async () => {
    expect(await store.record('cnn', 'wasm', 0, 10)).toBe(0);
    expect(await store.record('cnn', 'wasm', 1e9, 0)).toBe(0);
    expect(await store.all()).toEqual([]);
  });

  it('is shared by every client of the same prefix, and separate across prefixes', async () => {
    await store.record('cnn', 'wasm', 1e9, 1);
    expect(await new ThroughputStore(t.connect(), { prefix }).all()).toHaveLength(1);
    expect(await new ThroughputStore(t.redis, { prefix: testPrefix() }).all()).toEqual([]);
  });
});
