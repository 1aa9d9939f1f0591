import { EXPERIMENT_EVENT_TYPES, EXPERIMENT_STATUSES, applyEvent, isTerminal, presetSpec, type ExperimentEventBody, type ExperimentEventType } from '@trainyard/contracts';
import { deleteKeys, testPrefix, useTestRedis } from '@trainyard/testing';
import { ExperimentStore } from './experiment.store';

const spec = presetSpec('mnist-fc', { dataset: 'synthetic', limit: 64 });

/** One well-formed event of each type. */
const SAMPLE: { [T in ExperimentEventType]: Extract<ExperimentEventBody, { type: T }> } = {
  queued: { type: 'queued', position: 1 },
  started: { type: 'started', backend: 'cpu', worker: 'w1', params: 1, trainSamples: 1, testSamples: 1, epochs: 1, batches: 1 },
  resumed: { type: 'resumed', fromEpoch: 1, fromBatch: 0 },
  progress: { type: 'progress', epoch: 1, epochs: 1, batch: 1, batches: 1, loss: 1, batchAccuracy: 0.5, runningAccuracy: 0.5, samplesPerSec: 1 },
  epoch: { type: 'epoch', epochs: 1, epoch: 1, trainLoss: 1, trainAccuracy: 0.5, testLoss: 1, testAccuracy: 0.5, seconds: 1, samplesPerSec: 1 },
  completed: {
    type: 'completed',
    result: {
      model: 'fc2layer',
      params: 1,
      testAccuracy: 0.5,
      testLoss: 1,
      correct: 1,
      testSamples: 2,
      trainSamples: 2,
      perClassAccuracy: [0.5],
      confusionMatrix: [[1]],
      samplesPerSec: 1,
      backend: 'cpu',
      seconds: 1,
      epochs: [],
    },
  },
  failed: { type: 'failed', error: 'boom' },
  cancelled: { type: 'cancelled', reason: 'by request' },
};

// The store's append script derives a record's status from a Lua table generated from contracts'
// applyEvent; this runs the real script in a real Redis for every (status, event type) pair.
describe('the store and contracts derive status by one rule', () => {
  const t = useTestRedis();
  let prefix: string;
  let store: ExperimentStore;

  beforeEach(() => {
    prefix = testPrefix();
    store = new ExperimentStore(t.redis, { prefix });
  });
  afterEach(() => deleteKeys(t.redis, prefix));

  const pairs = EXPERIMENT_STATUSES.flatMap((status) => EXPERIMENT_EVENT_TYPES.map((type) => [status, type] as const));

  it('covers every status and every event type', () => {
    expect(new Set(pairs.map(([s]) => s))).toEqual(new Set(['queued', 'running', 'completed', 'failed', 'cancelled']));
    expect(pairs).toHaveLength(5 * 8);
  });

  it.each(pairs)('a record in %s after a %s event', async (status, type) => {
    const { id, owner } = await store.create({ owner: 'alice', spec });
    await t.redis.hset(store.keys.record(id), 'status', status);
    // The owner's queued set as the status implies (create puts a record in it).
    if (status !== 'queued') await t.redis.srem(store.keys.queuedByOwner(owner), id);
    const stored = await store.appendEvent(id, SAMPLE[type]);
    const expected = applyEvent(status, { type });
    const record = await store.get(id);
    expect(record!.status).toBe(expected);
    // A finished record takes nothing more; any other takes the event.
    expect(stored === null).toBe(isTerminal(status));
    await expect(t.redis.sismember(store.keys.queuedByOwner(owner), id)).resolves.toBe(expected === 'queued' ? 1 : 0);
    const finishedAt = await t.redis.zscore(store.keys.finished, id);
    expect(finishedAt !== null).toBe(stored !== null && expected !== status && isTerminal(expected));
  });
});
