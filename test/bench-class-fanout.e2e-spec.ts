import { measureClassFanout, type ClassFanoutResult } from '../apps/cli/src/bench/class-fanout';
import { startQueueStack, type QueueStack } from '../apps/cli/src/bench/queue-stack';

// `trainyard bench queue`'s class case, scaled down, on the bench's own stack (private Redis, the
// built API and worker as processes): its result has the shape the table and --json print, and
// every event reached every watcher exactly once, with one API and with two behind the Redis
// adapter. No timing is asserted: speed belongs to the bench.
jest.setTimeout(240_000);

const SMALL = { experiments: 3, watchers: 2, rate: 4, seconds: 2 };
const EVENTS = SMALL.experiments * SMALL.rate * SMALL.seconds;
// Each event goes to its run's student watchers and to the TA socket that watches every run.
const DELIVERIES = EVENTS * (SMALL.watchers + 1);

describe('bench queue: class fan-out, scaled down (e2e)', () => {
  let stack: QueueStack;
  let stop: (() => Promise<void>) | undefined;
  const urls: string[] = [];
  const lines: string[] = [];

  beforeAll(async () => {
    stack = await startQueueStack((line) => lines.push(line), (s) => (stop = s));
    urls.push(stack.url);
  });
  afterAll(() => stop?.());

  function expectEveryEventToEveryWatcherOnce(r: ClassFanoutResult, instances: number) {
    expect(r).toMatchObject({
      instances,
      experiments: 3,
      watchersPerExperiment: 2,
      taSockets: 1,
      sockets: 3 * 2 + 1,
      rate: 4,
      events: EVENTS,
      expected: DELIVERIES,
      delivered: DELIVERIES,
      goalP99Ms: 100,
      loss: { watchersIncomplete: 0, missing: 0, duplicatesOrOutOfOrder: 0, unexpected: 0, disconnected: 0 },
    });
    // One latency per delivery, each a finite non-negative number of ms, in order p50 ≤ p95 ≤ p99 ≤ max.
    const l = r.latencyMs;
    expect(l.n).toBe(DELIVERIES);
    for (const v of [l.median, l.p95, l.p99, l.max]) expect(Number.isFinite(v) && v >= 0).toBe(true);
    expect(l.median <= l.p95 && l.p95 <= l.p99 && l.p99 <= l.max).toBe(true);
    expect(typeof r.goalMet).toBe('boolean');
    expect(r.eventsPerSec).toBeGreaterThan(0);
    expect(r.deliveriesPerSec).toBeGreaterThan(0);
  }

  it('one API: every event reaches every watcher once, in order', async () => {
    const r = await measureClassFanout({ ...stack, urls: [...urls] }, SMALL, (line) => lines.push(line));
    expectEveryEventToEveryWatcherOnce(r, 1);
  });

  it('two APIs behind the Redis adapter, watchers split across them: the same', async () => {
    urls.push((await stack.addApi('api-2')).url);
    expect(new Set(urls).size).toBe(2);
    const r = await measureClassFanout({ ...stack, urls: [...urls] }, SMALL, (line) => lines.push(line));
    expectEveryEventToEveryWatcherOnce(r, 2);
  });
});
