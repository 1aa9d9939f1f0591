// Fair share, the running limit, a TA's raise and start estimates, end to end: the real API
// (in-process), real Redis, and real worker applications (WorkerModule, BullMQ workers, the
// handler) started in this process with a fake trainer whose runs the test holds or times.
import * as path from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import request from 'supertest';
import { loadConfig } from '@trainyard/config';
import type { ExperimentEvent, ExperimentSpec, TrainingResult } from '@trainyard/contracts';
import type { TrainOptions } from '@trainyard/training';
import { auth, startHarness, type Harness, type TestUser } from '../apps/api/testing/api-harness';
import { until, useFixture } from '@trainyard/testing';
import type { Trainer } from '../apps/worker/src/trainer.port';
import { bootstrapWorker } from '../apps/worker/src/worker.bootstrap';

jest.setTimeout(60_000);

const SMALL = { preset: 'mnist-fc', limit: 100, epochs: 1 };

/** Records the order runs start in; each run waits for release() (hold) or takes `ms`. */
class FakeTrainer implements Trainer {
  readonly starts: string[] = [];
  readonly owners = new Map<string, string>();
  /** The most runs of one owner seen training at once. */
  readonly peak = new Map<string, number>();
  hold = true;
  ms = 0;
  private readonly active = new Map<string, string>();
  private readonly gates = new Map<string, () => void>();

  async initBackend() {
    return { backend: 'cpu' as const, reason: 'fake trainer', passedOver: [] };
  }

  async trainExperiment(spec: ExperimentSpec, opts: TrainOptions): Promise<TrainingResult> {
    const id = path.basename(opts.saveTo!);
    const owner = this.owners.get(id) ?? '?';
    this.starts.push(id);
    this.active.set(id, owner);
    const running = [...this.active.values()].filter((o) => o === owner).length;
    this.peak.set(owner, Math.max(this.peak.get(owner) ?? 0, running));
    try {
      await opts.onEvent?.({ type: 'started', backend: 'cpu', worker: opts.worker, params: 1, trainSamples: 100, testSamples: 10, epochs: spec.epochs, batches: 1 });
      await new Promise<void>((resolve, reject) => {
        opts.signal?.addEventListener('abort', () => reject(new Error('aborted')));
        if (this.hold) this.gates.set(id, resolve);
        else setTimeout(resolve, this.ms);
      });
    } finally {
      this.active.delete(id);
      this.gates.delete(id);
    }
    return { model: spec.model.type, params: 1, testAccuracy: 0.5, testLoss: 1, correct: 5, testSamples: 10, trainSamples: 100, perClassAccuracy: [], confusionMatrix: [], samplesPerSec: 1, backend: 'cpu', seconds: 0, epochs: [] };
  }

  release(id: string) {
    const open = this.gates.get(id);
    if (!open) throw new Error(`run ${id} is not being held`);
    open();
  }

  releaseAll() {
    this.hold = false;
    [...this.gates.values()].forEach((open) => open());
  }

  async startsReach(n: number, what = `${n} runs to start`) {
    await until(() => this.starts.length >= n, what, 20_000);
  }
}

interface Setup {
  h: Harness;
  trainer: FakeTrainer;
  workers: INestApplicationContext[];
  submit(user: TestUser, body?: object): Promise<request.Response>;
}

/** An API (harness) and `n` worker applications sharing its Redis and prefix. */
async function setUp(n: number, env: { api?: Record<string, string>; worker?: Record<string, string> } = {}): Promise<Setup> {
  const h = await startHarness({ env: env.api });
  const trainer = new FakeTrainer();
  const workers: INestApplicationContext[] = [];
  for (let i = 1; i <= n; i++) {
    const config = loadConfig(
      { REDIS_URL: h.redis.url, QUEUE_PREFIX: h.config.queuePrefix, TRAINYARD_HOME: h.home, WORKER_NAME: `gpu-${i}`, LOG_LEVEL: 'silent', ...env.worker },
      h.home,
    );
    workers.push(await bootstrapWorker({ config, trainer }));
  }
  const submit = async (user: TestUser, body: object = SMALL) => {
    const res = await request(h.api.url).post('/api/experiments').set(auth(user)).send(body);
    if (res.status === 201) trainer.owners.set(res.body.id, user);
    return res;
  };
  return { h, trainer, workers, submit };
}

async function tearDown(s: Setup) {
  s.trainer.releaseAll();
  for (const w of s.workers) await w.close();
  await s.h.close();
}

/** One setUp for a describe block, torn down after all; read its fields inside hooks and tests. */
const useSetup = (...args: Parameters<typeof setUp>): Setup => useFixture('the API and its workers', () => setUp(...args), tearDown);

const statusOf = async (s: Setup, id: string) => (await s.h.store.get(id))?.status;

describe('one worker, busy', () => {
  const s = useSetup(1);

  let alice: string[] = [];
  it("alice queues 20 runs, then bob 1: bob's starts as soon as alice's first (running) ends", async () => {
    for (let i = 0; i < 20; i++) alice.push((await s.submit('alice')).body.id);
    await s.trainer.startsReach(1);
    expect(s.trainer.starts[0]).toBe(alice[0]);

    const bob = await s.submit('bob');
    expect(bob.status).toBe(201);
    expect(bob.body.position).toBe(1);
    const events = (await request(s.h.api.url).get(`/api/experiments/${bob.body.id}/events`).set(auth('bob'))).body as ExperimentEvent[];
    expect(events[0]).toMatchObject({ type: 'queued', position: 1 });
    // Alice's second run now waits behind bob's first.
    expect((await request(s.h.api.url).get(`/api/experiments/${alice[1]}`).set(auth('alice'))).body.position).toBe(2);

    s.trainer.release(alice[0]);
    await s.trainer.startsReach(2);
    expect(s.trainer.starts[1]).toBe(bob.body.id);
    s.trainer.release(bob.body.id);
    await s.trainer.startsReach(3);
    expect(s.trainer.starts[2]).toBe(alice[1]);
  });

  it('POST /api/experiments/:id/priority: a TA moves alice’s last run to the front; it starts next', async () => {
    const last = alice[19];
    expect((await request(s.h.api.url).get(`/api/experiments/${last}`).set(auth('alice'))).body.position).toBe(18);
    expect((await request(s.h.api.url).post(`/api/experiments/${last}/priority`).set(auth('alice'))).status).toBe(403);
    const raised = await request(s.h.api.url).post(`/api/experiments/${last}/priority`).set(auth('admin'));
    expect(raised.status).toBe(200);
    expect(raised.body).toMatchObject({ id: last, status: 'queued', position: 1 });
    const events = (await request(s.h.api.url).get(`/api/experiments/${last}/events`).set(auth('alice'))).body as ExperimentEvent[];
    expect(events.at(-1)).toMatchObject({ type: 'queued', position: 1 });

    s.trainer.release(alice[1]);
    await s.trainer.startsReach(4);
    expect(s.trainer.starts[3]).toBe(last);
    // A running run cannot be raised.
    expect((await request(s.h.api.url).post(`/api/experiments/${last}/priority`).set(auth('admin'))).status).toBe(409);
  });
});

describe('two workers', () => {
  const s = useSetup(2);
  beforeAll(() => {
    s.trainer.hold = false;
    s.trainer.ms = 150;
  });

  it('alice queues 16 runs, then bob 8: the start order interleaves alice and bob', async () => {
    const alice: string[] = [];
    for (let i = 0; i < 16; i++) alice.push((await s.submit('alice')).body.id);
    const startedBeforeBob = s.trainer.starts.length;
    const bob: string[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await s.submit('bob');
      if (i === 0) expect(res.body.position).toBe(1);
      bob.push(res.body.id);
    }
    await s.trainer.startsReach(24, 'all 24 runs to start');
    await until(async () => (await Promise.all([...alice, ...bob].map((id) => statusOf(s, id)))).every((st) => st === 'completed'), 'all runs to complete', 20_000);

    const order = s.trainer.starts.map((id) => s.trainer.owners.get(id));
    expect(order.filter((o) => o === 'bob')).toHaveLength(8);
    const firstBob = order.indexOf('bob');
    const lastBob = order.lastIndexOf('bob');
    // Bob's first run waited for no more than the runs already started when he submitted (+1 for
    // the two workers taking jobs at the same moment).
    expect(firstBob).toBeLessThanOrEqual(startedBeforeBob + 1);
    // Then alternation: never more than two of alice's in a row while bob has runs waiting, and
    // alice's backlog finishes after bob's runs.
    const longestAliceRun = Math.max(...order.slice(firstBob, lastBob + 1).join('').split('bob').map((run) => run.split('alice').length - 1));
    expect(longestAliceRun).toBeLessThanOrEqual(2);
    expect(lastBob).toBeLessThanOrEqual(startedBeforeBob + 2 * 8 + 1);
    expect(order.slice(lastBob + 1).every((o) => o === 'alice')).toBe(true);
    process.stdout.write(`start order with 2 workers (bob submitted after ${startedBeforeBob} starts): ${order.map((o) => (o === 'alice' ? 'A' : 'B')).join('')}\n`);
  });
});

describe('running limit (MAX_RUNNING_PER_STUDENT=1) at dispatch, two workers', () => {
  const s = useSetup(2, { worker: { MAX_RUNNING_PER_STUDENT: '1' } });

  it("the second worker does not start alice's second run while her first runs; it takes bob's", async () => {
    const alice = [(await s.submit('alice')).body.id, (await s.submit('alice')).body.id, (await s.submit('alice')).body.id];
    await s.trainer.startsReach(1);
    // The idle worker takes alice's next run, finds her at her limit, and moves it back (delayed).
    await until(async () => (await s.h.queue.getJob(alice[1]))?.attemptsStarted! >= 1, "a worker to try alice's second run");
    await new Promise((r) => setTimeout(r, 500));
    expect(s.trainer.starts).toEqual([alice[0]]);
    expect(await statusOf(s, alice[1])).toBe('queued');

    const bob = (await s.submit('bob')).body.id;
    await s.trainer.startsReach(2, "bob's run to start on the free worker");
    expect(s.trainer.starts[1]).toBe(bob);

    s.trainer.release(alice[0]);
    await s.trainer.startsReach(3, "alice's second run, once her first ended");
    expect(s.trainer.starts[2]).toBe(alice[1]);
    s.trainer.releaseAll();
    await until(async () => (await Promise.all([...alice, bob].map((id) => statusOf(s, id)))).every((st) => st === 'completed'), 'all runs to complete', 20_000);

    // The record says completed a moment before BullMQ moves the job and counts its attempt.
    await until(async () => (await Promise.all(alice.map(async (id) => (await s.h.queue.getJob(id))?.isCompleted()))).every(Boolean), "alice's jobs to be completed in BullMQ", 20_000);
    expect(s.trainer.peak.get('alice')).toBe(1);
    for (const id of alice) {
      const job = (await s.h.queue.getJob(id))!;
      // Deferring used no attempt: one attempt, the one that trained.
      expect(job.attemptsMade).toBe(1);
    }
    expect((await s.h.queue.getJob(alice[1]))!.attemptsStarted).toBeGreaterThan(1);
  });
});

describe('positions and estimated start times', () => {
  const s = useSetup(1, { api: { MAX_QUEUED_PER_STUDENT: '3' } });

  it('give no estimate without history; once runs of the kind finished, queued events and GET carry one, and the queued limit says when it frees up', async () => {
    s.trainer.hold = false;
    s.trainer.ms = 300;
    const first = await s.submit('alice');
    expect(first.body.estimatedStartAt).toBeUndefined();
    await s.submit('alice');
    await until(async () => (await s.h.store.list({ owner: 'alice' })).every((r) => r.status === 'completed'), 'two runs to complete', 20_000);

    s.trainer.hold = true;
    const bob = (await s.submit('bob')).body.id;
    await s.trainer.startsReach(3);
    expect(s.trainer.starts[2]).toBe(bob);

    const now = Date.now();
    const queued = [await s.submit('alice'), await s.submit('alice'), await s.submit('alice')];
    expect(queued.map((r) => r.body.position)).toEqual([1, 2, 3]);
    const times = queued.map((r) => Date.parse(r.body.estimatedStartAt));
    times.forEach((t) => expect(t).toBeGreaterThanOrEqual(now - 1000));
    // One worker: each starts about one run (~300 ms) after the one before.
    expect(times[1] - times[0]).toBeGreaterThan(100);
    expect(times[2]).toBeGreaterThan(times[1]);

    const events = (await request(s.h.api.url).get(`/api/experiments/${queued[1].body.id}/events`).set(auth('alice'))).body as ExperimentEvent[];
    expect(events[0]).toMatchObject({ type: 'queued', position: 2, estimatedStartAt: queued[1].body.estimatedStartAt });
    const got = (await request(s.h.api.url).get(`/api/experiments/${queued[1].body.id}`).set(auth('alice'))).body;
    expect(got).toMatchObject({ status: 'queued', position: 2, estimatedStartAt: expect.any(String) });

    const over = await s.submit('alice');
    expect(over.status).toBe(429);
    expect(over.body.message).toMatch(/the next is estimated to start in about \d+ s/);
    expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });
});
