import { Queue } from 'bullmq';
import { deleteKeys, testPrefix, useTestRedis } from '@trainyard/testing';
import { FairShareScheduler, MAX_BULLMQ_PRIORITY } from './fair-share.scheduler';
import { TrainingQueue } from './training-queue';

// The scheduler against a real Redis and a real BullMQ queue (no worker): tags, clock, the
// order BullMQ would start jobs in, positions, running slots.
describe('FairShareScheduler', () => {
  const t = useTestRedis();
  let prefix: string;
  let queue: Queue;
  let fair: FairShareScheduler;

  beforeEach(async () => {
    prefix = testPrefix();
    queue = new Queue('training', { connection: { host: '127.0.0.1', port: Number(new URL(t.server.url).port) }, prefix });
    // A queue closed while its connection is still being made emits "Connection is closed" with
    // nobody listening (a test that never touches the queue did exactly that on a busy machine).
    await queue.waitUntilReady();
    fair = new FairShareScheduler(t.redis, { prefix, queue });
  });
  afterEach(async () => {
    await queue.close();
    await deleteKeys(t.redis, prefix);
  });

  /** Enqueues like the API: tags from the scheduler become BullMQ priorities. */
  async function submit(owner: string, count: number): Promise<string[]> {
    const priorities = await fair.assignPriorities(owner, count);
    const jobs = await new TrainingQueue(queue).enqueue(priorities.map((priority, i) => ({ experimentId: `${owner}-${Date.now()}-${i}`, owner, priority })));
    return jobs.map((j) => j.id!);
  }
  const owners = async () => (await queue.getPrioritized(0, -1)).map((j) => j.data.owner as string);

  it("sorts each student's n-th job with everyone else's n-th", async () => {
    await submit('a', 20);
    await submit('b', 1);
    await submit('c', 2);
    expect((await owners()).slice(0, 7)).toEqual(['a', 'b', 'c', 'a', 'c', 'a', 'a']);
  });

  it("once A's first job runs, B's first job is next, ahead of A's backlog", async () => {
    const a = await submit('a', 20);
    // A worker takes A's first job: the clock moves to its start tag.
    const first = await queue.getJob(a[0]);
    await t.redis.zrem(queue.keys.prioritized, first!.id!);
    await t.redis.lpush(queue.keys.active, first!.id!);
    await fair.jobStarted(first!.priority);
    const [b] = await submit('b', 1);
    expect(await fair.position(b)).toBe(1);
    expect((await owners()).slice(0, 2)).toEqual(['b', 'a']);
  });

  it('keeps interleaving after a long backlog: the clock follows the started jobs', async () => {
    await submit('a', 12);
    for (let i = 0; i < 10; i++) {
      const [next] = await queue.getPrioritized(0, 0);
      await t.redis.zrem(queue.keys.prioritized, next.id!);
      await t.redis.lpush(queue.keys.active, next.id!);
      await fair.jobStarted(next.priority);
    }
    expect(await fair.clock()).toBe(9);
    await submit('b', 2);
    expect(await owners()).toEqual(['b', 'a', 'b', 'a']);
  });

  it('positions: rank in the start order, and the jobs ahead of a new priority', async () => {
    const a = await submit('a', 3);
    const [b] = await submit('b', 1);
    expect(await Promise.all([...a, b].map((id) => fair.position(id)))).toEqual([1, 3, 4, 2]);
    expect(await fair.aheadOf([1, 2, 9])).toEqual([2, 3, 4]);
    expect(await fair.position('missing')).toBeUndefined();
    expect((await fair.waitingInOrder(3)).map((j) => j.id)).toEqual([a[0], b, a[1]]);
  });

  it('a delayed job is placed where its priority puts it', async () => {
    await submit('a', 2);
    const [b] = await submit('b', 1);
    await t.redis.zrem(queue.keys.prioritized, b);
    await t.redis.zadd(queue.keys.delayed, Date.now() * 0x1000, b);
    expect(await fair.position(b)).toBe(2);
  });

  it('forgets history when the queue is idle, and holds tags at BullMQ’s maximum', async () => {
    expect(await fair.assignPriorities('a', 3)).toEqual([1, 2, 3]);
    expect(await fair.assignPriorities('a', 1)).toEqual([1]); // nothing was enqueued: idle, reset
    await t.redis.hset(`${prefix}:fair:last-tag`, 'a', MAX_BULLMQ_PRIORITY - 1);
    await queue.add('t', {}, { priority: 5 }); // not idle
    expect(await fair.assignPriorities('a', 3)).toEqual([MAX_BULLMQ_PRIORITY, MAX_BULLMQ_PRIORITY, MAX_BULLMQ_PRIORITY]);
  });

  it('running slots: at most max per student; a slot whose job lost its lock is freed', async () => {
    const lock = (id: string) => t.redis.set(`${queue.toKey(id)}:lock`, 'token');
    await lock('j1');
    expect(await fair.acquireRunSlot('a', 'j1', 1)).toBe(true);
    expect(await fair.acquireRunSlot('a', 'j1', 1)).toBe(true); // the same job again
    await lock('j2');
    expect(await fair.acquireRunSlot('a', 'j2', 1)).toBe(false);
    expect(await fair.acquireRunSlot('b', 'j2', 1)).toBe(true); // another student's slots
    await fair.releaseRunSlot('a', 'j1');
    expect(await fair.acquireRunSlot('a', 'j2', 1)).toBe(true);
    await t.redis.del(`${queue.toKey('j2')}:lock`); // its worker died
    await lock('j3');
    expect(await fair.acquireRunSlot('a', 'j3', 1)).toBe(true);
  });

  it('keeps a moving average of seconds per image-epoch by kind', async () => {
    await fair.recordDuration('cnn/mnist', 10, 1000);
    expect((await fair.durationRates()).get('cnn/mnist')).toBeCloseTo(0.01);
    await fair.recordDuration('cnn/mnist', 20, 1000);
    expect((await fair.durationRates()).get('cnn/mnist')).toBeCloseTo(0.013);
  });
});
