// Scale-out, with real processes and no containers. One Redis, two API instances and
// three workers, each worker with its own WORKER_NAME and TRAINYARD_HOME as if on a machine of its
// own; only DATA_DIR and ARTIFACTS_DIR are shared, as a network filesystem would be. It shows that
// events, jobs, models, the roster, the limits and fair share do not depend on which instance a
// client talks to or which worker trains; that a fourth worker joining mid-suite takes jobs at
// once; and (last, as it leaves one API) that stopping an API instance costs its socket clients a
// reconnect to the other one, and nothing else.
//
// Every run is tiny (synthetic data, 1–2 epochs, the pure-JS backend): 3–4 workers share the
// machine's cores, and the file's bound is the sum of its tests' (see jest.setTimeout below).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { io } from 'socket.io-client';
import request from 'supertest';
import { TERMINAL_STATUSES, type ExperimentEvent } from '@trainyard/contracts';
import { QueueName } from '@trainyard/training-queue';
import { ExperimentStore, type ExperimentRecord } from '@trainyard/experiment-store';
import { clientLog, subscribe, type TypedSocket } from '../../apps/api/testing/api-harness';
import { watchExperiments } from '../../apps/cli/src/api/experiment-watcher';
import { waitUntil, type ServiceProcess } from '../../apps/cli/src/commands/service-process';
import { oneToN, seqs } from '../support/experiments';
import { STACK_TOKENS, spawnStackWorker, stackAuth, useStack, type StackUser } from '../support/service-stack';
import { startTcpProxy } from '../support/tcp-proxy';
import { ensureWorkerBuilt, type WorkerProcess } from '../support/worker-process';

// Per test; the whole file takes a few minutes on a busy 2-core machine.
jest.setTimeout(300_000);
/** Generous bound for a handful of tiny runs to finish with 3–4 workers on 2 cores. */
const RUNS_MS = 240_000;

/** About a second of training on the pure-JS backend, plus the training process's start. */
const TINY = { preset: 'mnist-fc', dataset: 'synthetic', epochs: 1, limit: 512, testLimit: 64 };
/** A few seconds: long enough that runs of one student overlap when nothing stops them. */
const SHORT = { preset: 'mnist-fc', dataset: 'synthetic', epochs: 2, limit: 2048, testLimit: 64 };
/** The suite's four runs (two of them CNNs), shrunk. */
const SUITE_OVERRIDES = { dataset: 'synthetic', epochs: 1, limit: 256, testLimit: 64 };

const stack = useStack();
let apis: { url: string; service: ServiceProcess }[] = [];
let store: ExperimentStore;
const workers = new Map<string, WorkerProcess>();
/** Every socket opened here, closed after all. */
const sockets: TypedSocket[] = [];

const apiServices = () => apis.map((a) => a.service);
const startWorker = async (name: string) => {
  const w = spawnStackWorker(stack, name);
  workers.set(name, w);
  await w.ready;
  return w;
};

beforeAll(async () => {
  ensureWorkerBuilt();
  apis = [await stack.startApi('scale-api-1'), await stack.startApi('scale-api-2')];
  store = new ExperimentStore(stack.client, { prefix: stack.prefix });
  await Promise.all(['w1', 'w2', 'w3'].map(startWorker));
  // As on machines of their own: each worker's own name and home; only data and artifacts shared.
  const envs = [...workers.values()].map((w) => processEnv(w.child.pid!));
  expect(envs.map((e) => e.WORKER_NAME)).toEqual(['w1', 'w2', 'w3']);
  expect(new Set([stack.env.TRAINYARD_HOME, ...envs.map((e) => e.TRAINYARD_HOME)]).size).toBe(4);
  for (const e of envs) expect([e.DATA_DIR, e.ARTIFACTS_DIR]).toEqual([stack.env.DATA_DIR, stack.env.ARTIFACTS_DIR]);
  await waitUntil('both APIs to see three workers', async () => (await Promise.all(apis.map((a) => workerCount(a.url)))).every((n) => n === 3), apiServices(), 60_000);
}, 240_000);

afterAll(async () => {
  sockets.forEach((s) => s.close());
  await Promise.all([...workers.values()].map((w) => w.stop('SIGTERM', 20_000)));
});

/** A process's environment, from /proc (Linux). */
function processEnv(pid: number): Record<string, string> {
  const raw = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return Object.fromEntries(raw.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

async function workerCount(url: string): Promise<number> {
  const res = await fetch(`${url}/health`);
  return ((await res.json()) as { workers: { count: number } }).workers.count;
}

function connect(url: string, token: string): Promise<TypedSocket> {
  const socket: TypedSocket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

async function submit(apiUrl: string, user: StackUser, body: object, query = ''): Promise<string> {
  const res = await request(apiUrl).post(`/api/experiments${query}`).set(stackAuth(user)).send(body);
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function submitSuite(apiUrl: string, user: StackUser, query = ''): Promise<string[]> {
  const res = await request(apiUrl).post(`/api/suites/week2-mnist${query}`).set(stackAuth(user)).send(SUITE_OVERRIDES);
  expect(res.status).toBe(201);
  return (res.body.experiments as { id: string }[]).map((e) => e.id);
}

const records = async (ids: string[]) => (await Promise.all(ids.map((id) => store.get(id)))) as ExperimentRecord[];

/** Waits for every run to finish, and expects each completed, with the history seq 1..n. */
async function allCompleted(ids: string[]): Promise<ExperimentRecord[]> {
  await waitUntil(`${ids.length} runs to finish`, async () => (await records(ids)).every((r) => r && TERMINAL_STATUSES.has(r.status)), apiServices(), RUNS_MS);
  const done = await records(ids);
  expect(done.map((r) => `${r.id} ${r.status}${r.error ? `: ${r.error}` : ''}`)).toEqual(ids.map((id) => `${id} completed`));
  for (const id of ids) {
    const history = await store.events(id);
    expect(seqs(history)).toEqual(oneToN(history.length));
  }
  return done;
}

/** The most runs of these records that trained at the same moment (from startedAt/finishedAt). */
function peakConcurrency(rs: ExperimentRecord[]): number {
  const edges = rs.flatMap((r) => [
    { t: Date.parse(r.startedAt!), d: 1 },
    { t: Date.parse(r.finishedAt!), d: -1 },
  ]);
  // Ends before starts at the same millisecond: a run that ended as another began did not overlap it.
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let peak = 0;
  for (const e of edges) peak = Math.max(peak, (now += e.d));
  return peak;
}

it('a client of instance 1 receives, live and with seq contiguous, the events of a run submitted through instance 2', async () => {
  const [api1, api2] = apis;
  const id = await submit(api2.url, 'alice', TINY);
  const socket = await connect(api1.url, STACK_TOKENS.alice);
  const { ack, live } = await subscribe(socket, id);
  expect(ack.ok).toBe(true);
  await waitUntil('the run to complete (in the store)', async () => (await store.get(id))?.status === 'completed', apiServices(), RUNS_MS);
  await waitUntil('the completed event to arrive live at instance 1', async () => live.some((e) => e.type === 'completed'), apiServices(), 60_000);

  const stored = (await request(api1.url).get(`/api/experiments/${id}/events`).set(stackAuth('alice'))).body as ExperimentEvent[];
  const seen = clientLog(ack, live);
  expect(seqs(seen)).toEqual(oneToN(stored.length));
  expect(seen).toEqual(stored);
  // Live, not only in the ack's history: the worker's events crossed to instance 1's socket.
  // The log holds the whole history first, so what follows it came live.
  const liveAfterAck = seen.slice(ack.history?.length ?? 0);
  expect(liveAfterAck.map((e) => e.type)).toEqual(expect.arrayContaining(['epoch', 'completed']));
  expect(seqs(liveAfterAck)).toEqual(oneToN(stored.length).slice(stored.length - liveAfterAck.length));
});

// Filled by the suite test; the download test uses a run of worker 3's from it.
let suiteRuns: ExperimentRecord[] = [];

it("two students' suites, one through each instance, spread over all three workers", async () => {
  const ids = [...(await submitSuite(apis[0].url, 'alice')), ...(await submitSuite(apis[1].url, 'bob'))];
  suiteRuns = await allCompleted(ids);
  // The worker that trained a run is in its record and its `started` event.
  for (const r of suiteRuns) {
    const started = (await store.events(r.id)).find((e) => e.type === 'started');
    expect(started).toMatchObject({ type: 'started', worker: r.worker });
  }
  const byWorker = suiteRuns.reduce((m, r) => m.set(r.worker!, (m.get(r.worker!) ?? 0) + 1), new Map<string, number>());
  process.stdout.write(`suite runs per worker: ${[...byWorker].map(([w, n]) => `${w}=${n}`).join(' ')}\n`);
  expect([...byWorker.keys()].sort()).toEqual(['w1', 'w2', 'w3']);
});

it('a model trained on worker 3 downloads through instance 1, byte for byte', async () => {
  const run = suiteRuns.find((r) => r.worker === 'w3');
  expect(run).toMatchObject({ worker: 'w3', status: 'completed' });
  const { id, owner } = run!;
  const api1 = apis[0].url;
  const dir = path.join(stack.env.ARTIFACTS_DIR!, id);

  const json = await request(api1).get(`/api/experiments/${id}/model/model.json`).set(stackAuth(owner as StackUser));
  expect(json.status).toBe(200);
  expect(json.body).toEqual(JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')));
  const manifest = json.body.weightsManifest as { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
  const files = manifest.flatMap((g) => g.paths);
  expect(files.length).toBeGreaterThan(0);
  let bytes = 0;
  for (const file of files) {
    const res = await request(api1)
      .get(`/api/experiments/${id}/model/${file}`)
      .set(stackAuth(owner as StackUser))
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(res.status).toBe(200);
    expect(Buffer.compare(res.body as Buffer, fs.readFileSync(path.join(dir, file)))).toBe(0);
    bytes += (res.body as Buffer).length;
  }
  // The model's: float32 weights, as many as the run's parameters (non-trainable ones included in the manifest).
  const weights = manifest.flatMap((g) => g.weights);
  expect(weights.every((w) => w.dtype === 'float32')).toBe(true);
  expect(bytes).toBe(4 * weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0));
  expect(bytes).toBeGreaterThanOrEqual(4 * run!.result!.params);
});

it('a fourth worker joining mid-suite takes a run of the suite queued before it started, while the other three are busy', async () => {
  // Three long runs hold w1–w3 until cancelled, so the suite behind them waits; all are a TA's
  // for alice (exempt from the running limit; one owner, so fair share keeps submission order).
  const [api1, api2] = apis;
  const blockers: string[] = [];
  for (let i = 0; i < 3; i++) blockers.push(await submit(api1.url, 'ta', { ...SHORT, epochs: 30, limit: 4096, seed: 200 + i }, '?owner=alice'));
  const suite = await submitSuite(api2.url, 'ta', '?owner=alice');
  await waitUntil('the three long runs to be running', async () => (await records(blockers)).every((r) => r.status === 'running'), apiServices(), RUNS_MS);
  expect((await records(suite)).map((r) => r.status)).toEqual(['queued', 'queued', 'queued', 'queued']);

  const joinedAt = Date.now();
  const w4 = await startWorker('w4');
  const first = await w4.waitForLog((l) => l.msg === 'training started', RUNS_MS);
  // At once: while w1–w3 are still busy with the long runs, so no other worker could have taken it.
  expect(suite).toContain(first.experimentId);
  expect((await records(blockers)).map((r) => `${r.worker} ${r.status}`).sort()).toEqual(['w1 running', 'w2 running', 'w3 running']);

  for (const id of blockers) expect((await request(api1.url).post(`/api/experiments/${id}/cancel`).set(stackAuth('ta'))).status).toBe(202);
  const done = await allCompleted(suite);
  const mine = done.filter((r) => r.worker === 'w4');
  expect(mine.map((r) => r.id)).toContain(first.experimentId);
  // Queued before w4 existed.
  expect(mine.every((r) => Date.parse(r.createdAt) < joinedAt)).toBe(true);
  await waitUntil('the long runs to be cancelled', async () => (await records(blockers)).every((r) => r.status === 'cancelled'), apiServices(), RUNS_MS);
});

describe('the roster, the running limit and fair share hold across instances', () => {
  it('a user added and then rotated through instance 1 signs in, then is refused, at once on instance 2 (HTTP and socket)', async () => {
    const [api1, api2] = apis;
    const added = await request(api1.url).post('/api/admin/roster').set(stackAuth('ta')).send({ name: 'dave' });
    expect(added.status).toBe(201);
    const oldToken = added.body.token as string;
    const me = await request(api2.url).get('/api/me').set({ authorization: `Bearer ${oldToken}` });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ name: 'dave' });
    const socket = await connect(api2.url, oldToken);
    const dropped = new Promise<string>((resolve) => socket.once('disconnect', resolve));

    const rotated = await request(api1.url).post('/api/admin/roster/dave/rotate').set(stackAuth('ta'));
    expect(rotated.status).toBe(200);
    // The very next request on the other instance: no waiting for a re-sync.
    expect((await request(api2.url).get('/api/me').set({ authorization: `Bearer ${oldToken}` })).status).toBe(401);
    expect((await request(api2.url).get('/api/me').set({ authorization: `Bearer ${rotated.body.token}` })).status).toBe(200);
    // And instance 2 drops the socket it holds with the old token.
    expect(await dropped).toBe('io server disconnect');
  });

  it('MAX_RUNNING_PER_STUDENT (2) holds across both APIs and every worker', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await submit(apis[i % 2].url, 'carol', { ...SHORT, seed: 300 + i }));
    const done = await allCompleted(ids);
    process.stdout.write(`carol's runs: workers ${done.map((r) => r.worker).join(',')}; at most ${peakConcurrency(done)} at once\n`);
    // Four idle workers, five runs: only the limit keeps the third from starting with the first two.
    expect(peakConcurrency(done)).toBe(2);
    const deferrals = [...workers.values()].flatMap((w) => w.logs.filter((l) => l.msg === 'owner at the running limit: job deferred' && l.owner === 'carol'));
    expect(deferrals.length).toBeGreaterThanOrEqual(1);
  });

  it("fair share: while a flood of alice's runs fills the queue through instance 1, bob's run through instance 2 starts next", async () => {
    // Exempt from the running limit (a TA submits them for alice), so the flood fills every worker.
    const flood: string[] = [];
    // Runs of a few seconds, so that "every worker busy" lasts long enough to be seen.
    for (let i = 0; i < 12; i++) flood.push(await submit(apis[0].url, 'ta', { ...SHORT, seed: 400 + i }, '?owner=alice'));
    await waitUntil('every worker to be busy with the flood', async () => (await records(flood)).filter((r) => r.status === 'running').length >= workers.size, apiServices(), RUNS_MS);

    const submittedAt = Date.now();
    const res = await request(apis[1].url).post('/api/experiments').set(stackAuth('bob')).send(TINY);
    expect(res.status).toBe(201);
    expect(res.body.position).toBe(1);
    const [bob] = await allCompleted([res.body.id]);
    const rest = await allCompleted(flood);

    // When each job was taken from the queue (BullMQ's processedOn), the scheduler's decision: a
    // run's startedAt comes a second or more later, after its training process loaded its data,
    // so a job taken just before bob's submission can report `started` after it.
    const takenAt = async (id: string) => Number(await stack.client.hget(`${stack.prefix}:${QueueName.Training}:${id}`, 'processedOn'));
    const bobTaken = await takenAt(bob.id);
    const taken = await Promise.all(rest.map(async (r) => ({ id: r.id, at: await takenAt(r.id) })));
    expect(taken.every((t) => t.at > 0) && bobTaken > 0).toBe(true);
    // Taken after bob's submission but before bob's: at most the workers that took a job in the same moment.
    const overtook = taken.filter((t) => t.at >= submittedAt && t.at < bobTaken);
    const after = taken.filter((t) => t.at > bobTaken);
    process.stdout.write(`fair share: ${overtook.length} of alice's runs were taken from the queue between bob's submission and his; ${after.length} after\n`);
    expect(overtook.length).toBeLessThanOrEqual(1);
    // Before the flood drained.
    expect(after.length).toBeGreaterThanOrEqual(3);
  });
});

it("SIGTERM to instance 1 costs its socket client one reconnect, to instance 2, and no gap: it ends with exactly seq 1..n", async () => {
  const [api1, api2] = apis;
  const port = (u: string) => Number(new URL(u).port);
  // The load balancer: instance 1 first, instance 2 when instance 1 refuses.
  const proxy = await startTcpProxy([port(api1.url), port(api2.url)]);
  try {
    const id = await submit(api2.url, 'alice', { ...SHORT, epochs: 3, limit: 4096 });
    const seen: ExperimentEvent[] = [];
    const watcher = watchExperiments(proxy.url, STACK_TOKENS.alice, [id], (e) => seen.push(e));
    try {
      await waitUntil('the first epoch to be stored', async () => (await store.events(id)).some((e) => e.type === 'epoch'), apiServices(), RUNS_MS);
      await waitUntil('the first epoch to reach the client through instance 1', async () => seen.some((e) => e.type === 'epoch'), apiServices(), 60_000);
      expect(seen.some((e) => e.type === 'completed')).toBe(false);
      expect(proxy.routed).toEqual([port(api1.url)]);

      api1.service.child.kill('SIGTERM');
      expect(await api1.service.exited).toBe(0);
      const finals = await Promise.race([
        watcher.done,
        waitUntil('the run to complete', async () => (await store.get(id))?.status === 'completed', [api2.service], RUNS_MS).then(() =>
          // Completed in the store: the client has a little longer to get the last events.
          waitUntil('the client to see completed', async () => seen.some((e) => e.type === 'completed'), [api2.service], 60_000).then(() => watcher.done),
        ),
      ]);
      expect(finals.get(id)?.type).toBe('completed');

      const stored = (await request(api2.url).get(`/api/experiments/${id}/events`).set(stackAuth('alice'))).body as ExperimentEvent[];
      expect(seqs(seen)).toEqual(oneToN(stored.length));
      expect(seen).toEqual(stored);
      // One reconnect, and it went to instance 2.
      expect(proxy.routed).toEqual([port(api1.url), port(api2.url)]);
    } finally {
      watcher.close();
    }
  } finally {
    await proxy.close();
  }
  apis = [api2];
});
