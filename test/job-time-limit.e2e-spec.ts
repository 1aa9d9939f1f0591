// MAX_JOB_MINUTES held on the worker, not only at submission: the estimate that let a run in can
// be wrong either way, so the API puts the limit that applies to the run in its job data and the
// worker stops an attempt whose training passes it. Real API, Redis and worker processes; the
// limit is tiny (0.02 min = 1.2 s) and the measured throughput huge, so the run is let in by its
// estimate and then really trains for longer than the limit.
import request from 'supertest';
import type { Job } from 'bullmq';
import { Queue } from 'bullmq';
import { QueueName, ThroughputStore, type TrainJobData } from '@trainyard/training-queue';
import { waitUntil, type ServiceProcess } from '../apps/cli/src/commands/service-process';
import { spawnStackWorker, stackAuth, startStack, type Stack } from './support/service-stack';
import { ensureWorkerBuilt, type WorkerProcess } from './support/worker-process';

jest.setTimeout(300_000);

// 2 epochs × 2048 images at batch 16: 256 steps of the course CNN on the cpu backend, seconds of
// training, far past 1.2 s on any machine.
const SPEC = { preset: 'mnist-cnn', dataset: 'mnist-bundled', epochs: 2, limit: 2048, batchSize: 16, testLimit: 200, seed: 3 };
const MESSAGE = 'stopped after 0.02 min: this class allows at most 0.02 min per job (MAX_JOB_MINUTES); ask a TA to submit a longer run';

let stack: Stack;
let api: { url: string; service: ServiceProcess };
let worker: WorkerProcess | undefined;
let queue: Queue<TrainJobData>;
beforeAll(async () => {
  ensureWorkerBuilt();
  stack = await startStack({ env: { MAX_JOB_MINUTES: '0.02' } });
  api = await stack.startApi('limit-api');
  queue = new Queue<TrainJobData>(QueueName.Training, { connection: stack.client, prefix: stack.prefix });
  // Measured so fast that the run's estimate is well under the limit, on any backend a worker names.
  const throughput = new ThroughputStore(stack.client, { prefix: stack.prefix });
  for (const backend of ['cpu', 'wasm', 'tensorflow']) await throughput.record('cnn', backend, SPEC.batchSize, 1e15);
});
afterAll(async () => {
  await worker?.stop('SIGKILL');
  await queue?.close();
  await stack?.close();
});

const get = (id: string) => request(api.url).get(`/api/experiments/${id}`).set(stackAuth('alice'));
const history = async (id: string) => (await request(api.url).get(`/api/experiments/${id}/events`).set(stackAuth('alice'))).body as { type: string }[];

it('a run whose training passes MAX_JOB_MINUTES on the worker is stopped and failed with the limit named, without a retry', async () => {
  const res = await request(api.url).post('/api/experiments').set(stackAuth('alice')).send(SPEC);
  expect(res.status).toBe(201);
  const id = res.body.id as string;
  expect(res.body.estimate.seconds).toBeLessThan(1.2);
  const job = (await queue.getJob(id)) as Job<TrainJobData>;
  expect(job.data).toMatchObject({ maxMinutes: 0.02 });

  worker = spawnStackWorker(stack, 'limit-w1');
  await waitUntil(`${id} to end`, async () => ['failed', 'completed'].includes((await get(id)).body.status), [api.service], 240_000);
  expect((await get(id)).body).toMatchObject({ status: 'failed', error: MESSAGE });
  // Failed by BullMQ at once (UnrecoverableError): one attempt, one `started` in the history.
  await waitUntil('the job to be failed', async () => (await queue.getJobState(id)) === 'failed', [api.service], 60_000);
  expect((await queue.getJob(id))!.attemptsMade).toBe(1);
  expect((await history(id)).filter((e) => e.type === 'started')).toHaveLength(1);
});

it('a run with no estimate (nothing measured yet, as on a new deployment) still carries the limit to the worker', async () => {
  const throughput = new ThroughputStore(stack.client, { prefix: stack.prefix });
  const saved = await stack.client.hgetall(throughput.key);
  await stack.client.del(throughput.key);
  try {
    const res = await request(api.url).post('/api/experiments').set(stackAuth('alice')).send(SPEC);
    expect(res.status).toBe(201);
    expect(res.body.estimate).toMatchObject({ basis: 'none', seconds: null });
    expect((await queue.getJob(res.body.id))!.data).toMatchObject({ maxMinutes: 0.02 });
    await request(api.url).post(`/api/experiments/${res.body.id}/cancel`).set(stackAuth('alice'));
  } finally {
    await stack.client.hset(throughput.key, saved);
  }
});

it("an admin's run carries no limit to the worker", async () => {
  const res = await request(api.url).post('/api/experiments').set(stackAuth('ta')).send(SPEC);
  expect(res.status).toBe(201);
  expect((await queue.getJob(res.body.id))!.data).not.toHaveProperty('maxMinutes');
});
