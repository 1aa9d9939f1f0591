// A Redis outage of about 30 s once killed the API (an unhandled rejection from a
// fire-and-forget Redis call). After an outage of any length every process must still run,
// answer /health with 503 (and the API's routes with 503 + Retry-After) while Redis is away, and
// serve normally once it is back. Real API and worker processes; Redis is killed with SIGKILL.
import request from 'supertest';
import type { ExperimentEvent } from '@trainyard/contracts';
import { waitUntil, type ServiceProcess } from '../apps/cli/src/commands/service-process';
import { stackAuth, startStack, type Stack } from './support/service-stack';

jest.setTimeout(600_000);

/**
 * How long Redis stays away: past the API's roster re-sync (10 s) and every client's retry budget
 * (5 retries per command), which is what used to turn into an unhandled rejection. This is the
 * scenario's length, not a wait for something to happen.
 */
const OUTAGE_MS = 35_000;

let stack: Stack;
let api: { url: string; service: ServiceProcess };
let worker: ServiceProcess;
beforeAll(async () => {
  stack = await startStack();
  worker = stack.startWorker('outage-worker');
  api = await stack.startApi('outage-api');
  await waitUntil('the API to see the worker', async () => (await health()).body.workers?.count === 1, [api.service, worker], 120_000);
});
afterAll(async () => {
  await stack?.close();
});

const health = () => request(api.url).get('/health');
const exited = () => [api.service, worker].filter((s) => s.child.exitCode !== null || s.child.signalCode !== null).map((s) => s.name);

async function finishes(id: string) {
  await waitUntil(
    `experiment ${id} to complete`,
    async () => (await request(api.url).get(`/api/experiments/${id}`).set(stackAuth('alice'))).body.status === 'completed',
    [api.service, worker],
    180_000,
  );
}

it('every process outlives a long Redis outage, answers 503 meanwhile, and serves normally after; a run in flight loses nothing', async () => {
  // A run in flight when Redis dies: its worker pauses it (events wait to be stored), loses the
  // job's lock during the outage, and the job is found stalled and resumed from its checkpoint.
  const inFlight = await request(api.url).post('/api/experiments').set(stackAuth('bob')).send({ preset: 'mnist-fc', dataset: 'synthetic', limit: 2048, testLimit: 64, epochs: 6 });
  expect(inFlight.status).toBe(201);
  const flightId = inFlight.body.id as string;
  const events = async () => (await request(api.url).get(`/api/experiments/${flightId}/events`).set(stackAuth('bob'))).body as ExperimentEvent[];
  await waitUntil('the run in flight to finish an epoch', async () => (await events()).some((e) => e.type === 'epoch'), [api.service, worker], 120_000);

  await stack.redis.kill();
  const killedAt = Date.now();
  await waitUntil('/health to answer 503', async () => (await health()).status === 503, [api.service, worker], 30_000);

  // Stay down for the whole outage, checking that nobody exits meanwhile.
  await waitUntil('the outage to last', async () => Date.now() - killedAt >= OUTAGE_MS, [api.service, worker], OUTAGE_MS + 60_000);
  expect(exited()).toEqual([]);
  const down = await health();
  expect(down.status).toBe(503);
  expect(Number(down.headers['retry-after'])).toBeGreaterThan(0);

  // The API's routes say "unavailable, try again later", not "internal error".
  // At once, not after ioredis' retries: a client's timeout must not run out first.
  const list = await request(api.url).get('/api/experiments').set(stackAuth('alice')).timeout(8000);
  expect(list.status).toBe(503);
  expect(Number(list.headers['retry-after'])).toBeGreaterThan(0);
  const post = await request(api.url).post('/api/experiments').set(stackAuth('alice')).timeout(8000).send({ preset: 'mnist-fc', dataset: 'synthetic', limit: 64, testLimit: 16, epochs: 1 });
  expect(post.status).toBe(503);
  expect(Number(post.headers['retry-after'])).toBeGreaterThan(0);

  await stack.redis.start();
  await waitUntil('/health to answer 200 with the worker', async () => {
    const res = await health();
    return res.status === 200 && res.body.workers.count === 1;
  }, [api.service, worker], 120_000);

  // Served normally: a run is accepted, trained by the same worker process and completed.
  const created = await request(api.url).post('/api/experiments').set(stackAuth('alice')).send({ preset: 'mnist-fc', dataset: 'synthetic', limit: 64, testLimit: 16, epochs: 1 });
  expect(created.status).toBe(201);
  await finishes(created.body.id);

  // The run in flight completed, with each epoch once and seq contiguous: nothing lost or doubled.
  const trainedBy = async () => (await request(api.url).get(`/api/experiments/${flightId}`).set(stackAuth('bob'))).body.status;
  await waitUntil('the run in flight to complete', async () => (await trainedBy()) === 'completed', [api.service, worker], 300_000);
  const history = await events();
  expect(history.map((e) => e.seq)).toEqual(history.map((_, i) => i + 1));
  expect(history.flatMap((e) => (e.type === 'epoch' ? [e.epoch] : []))).toEqual([1, 2, 3, 4, 5, 6]);
  expect(history.filter((e) => e.type === 'completed')).toHaveLength(1);
  expect(exited()).toEqual([]);
  // The process policy logs any rejection nobody handled as a bug: there must be none.
  const unhandled = [api.service, worker].flatMap((s) => stack.log(s).split('\n').filter((l) => /unhandled/i.test(l)));
  expect(unhandled).toEqual([]);
});

it('a Redis restarted from its AOF has every record, event and queued job intact', async () => {
  // No worker: nothing changes the records between the two snapshots.
  await worker.stop();
  const ids: string[] = [];
  for (const user of ['alice', 'bob'] as const) {
    const res = await request(api.url).post('/api/suites/week2-mnist').set(stackAuth(user)).send({ dataset: 'synthetic', limit: 64, testLimit: 16, epochs: 1 });
    expect(res.status).toBe(201);
    ids.push(...(res.body.experiments as { id: string }[]).map((e) => e.id));
  }
  const snapshot = async () =>
    Promise.all(
      ids.map(async (id) => [
        await stack.client.hgetall(`${stack.prefix}:experiment:${id}`),
        await stack.client.lrange(`${stack.prefix}:experiment:${id}:events`, 0, -1),
        await stack.client.hgetall(`${stack.prefix}:training:${id}`),
      ]),
    );
  const before = await snapshot();
  expect(before.every((keys) => keys.every((k) => Object.keys(k).length > 0))).toBe(true);

  await stack.redis.restart();
  await waitUntil('/health to answer again', async () => (await health()).body.redis?.ok === true, [api.service], 120_000);
  expect(await snapshot()).toEqual(before);
  const list = await request(api.url).get('/api/experiments').set(stackAuth('ta'));
  expect(list.status).toBe(200);
  expect((list.body as { id: string }[]).map((e) => e.id)).toEqual(expect.arrayContaining(ids));
});
