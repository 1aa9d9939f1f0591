// The HTTP API against a real Redis, in-process API instance: validation, auth, isolation,
// enqueueing, cancellation, model download, ops routes.
import * as tf from '@tensorflow/tfjs';
import { Worker } from 'bullmq';
import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import { PRESET_NAMES, SUITES, type ExperimentEvent, type TrainingResult } from '@trainyard/contracts';
import { subscribeToCancellations } from '@trainyard/experiment-store';
import { JobName, QueueName, trainJobOptions, type TrainJobData } from '@trainyard/training-queue';
import { bullConnectionOptions, createRedisClient } from '@trainyard/redis';
import { until } from '@trainyard/testing';
import { auth, TOKENS, useHarness } from '../apps/api/testing/api-harness';

jest.setTimeout(30_000);

const h = useHarness();

const http = () => request(h.api.url);
const submit = (user: 'alice' | 'bob' | 'admin', body: unknown = { preset: 'mnist-cnn', limit: 100, epochs: 1 }) =>
  http().post('/api/experiments').set(auth(user)).send(body as object);

async function queueSize() {
  const counts = await h.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'paused');
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

describe('auth', () => {
  const routes: [string, string][] = [
    ['post', '/api/experiments'],
    ['get', '/api/experiments'],
    ['get', '/api/experiments/some-id'],
    ['get', '/api/experiments/some-id/events'],
    ['post', '/api/experiments/some-id/cancel'],
    ['get', '/api/experiments/some-id/model'],
    ['post', '/api/suites/week2-mnist'],
    ['get', '/api/presets'],
    ['get', '/metrics'],
  ];

  it.each(routes)('%s %s answers 401 without a token, and with an unknown one', async (method, url) => {
    const none = await (http() as any)[method](url);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    const bad = await (http() as any)[method](url).set('Authorization', `Bearer ${TOKENS.alice}x`);
    expect(bad.status).toBe(401);
    const wrongScheme = await (http() as any)[method](url).set('Authorization', TOKENS.alice);
    expect(wrongScheme.status).toBe(401);
  });

  it('lets a roster token in', async () => {
    const res = await http().get('/api/presets').set(auth('alice'));
    expect(res.status).toBe(200);
  });
});

describe('POST /api/experiments validation', () => {
  const catalogue: [string, unknown, RegExp][] = [
    ['an unknown field', { preset: 'mnist-cnn', learningRate: 0.1 }, /^learningRate$/],
    ['an unknown nested field', { preset: 'mnist-cnn', optimizer: { lr: 0.1, nesterov: true } }, /^optimizer\.nesterov$/],
    ['epochs 0', { preset: 'mnist-cnn', epochs: 0 }, /^epochs$/],
    ['epochs 10^6', { preset: 'mnist-cnn', epochs: 1_000_000 }, /^epochs$/],
    ['fractional epochs', { preset: 'mnist-cnn', epochs: 1.5 }, /^epochs$/],
    ['a negative learning rate', { preset: 'mnist-cnn', optimizer: { lr: -0.01 } }, /^optimizer\.lr$/],
    ['a huge batch size', { preset: 'mnist-cnn', batchSize: 1e9 }, /^batchSize$/],
    ['a wrong model type', { preset: 'mnist-cnn', model: { type: 'resnet50' } }, /^model/],
    ['a preset typo', { preset: 'mnist-cnnn' }, /^preset$/],
    ['a string where a number goes', { preset: 'mnist-cnn', epochs: '2' }, /^epochs$/],
    ['an incomplete full spec', { dataset: 'mnist', epochs: 1 }, /^(model|optimizer|batchSize|testBatchSize)$/],
    ['an unknown dataset', { preset: 'mnist-cnn', dataset: '/etc/passwd' }, /^dataset$/],
    ['an array body', [1, 2, 3], /^\(root\)$/],
    ['an empty object', {}, /./],
    // Inputs that once got past validation: memory a worker lacks, a NaN loss, a prototype alias.
    [
      'a test batch that needs more memory than a worker has',
      { preset: 'cifar10-vgg16', dataset: 'synthetic', limit: 16, batchSize: 16, testLimit: 10000, testBatchSize: 10000 },
      /^testBatchSize$/,
    ],
    ['a normalize std that makes every loss NaN', { preset: 'mnist-cnn', dataset: 'synthetic', limit: 1024, testLimit: 200, transforms: { normalize: { mean: [0], std: [1e-30] } } }, /^transforms\.normalize\.std/],
    ['a __proto__ alias for a field', JSON.parse('{"preset":"mnist-fc","__proto__":{"limit":77}}'), /__proto__/],
    ['a __proto__ alias inside model', JSON.parse('{"preset":"mnist-fc","model":{"__proto__":{"hidden":3}}}'), /__proto__/],
  ];

  it.each(catalogue)('rejects %s with 400, the offending field, and nothing enqueued', async (_, body, field) => {
    const before = await queueSize();
    const listed = (await http().get('/api/experiments').set(auth('alice'))).body.length;
    const res = await submit('alice', body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(res.body.message).toMatch(/^Invalid experiment|must be a JSON object|^Forbidden key/);
    expect(res.body.issues.length).toBeGreaterThan(0);
    expect(res.body.issues.some((i: { path: string }) => field.test(i.path))).toBe(true);
    expect(await queueSize()).toBe(before);
    expect((await http().get('/api/experiments').set(auth('alice'))).body.length).toBe(listed);
  });

  it.each([
    ['malformed JSON', '{"preset": "mnist-cnn",', 'application/json', 400],
    ['a JSON string', '"mnist-cnn"', 'application/json', 400],
    ['a JSON number', '42', 'application/json', 400],
    ['text/plain', 'preset=mnist-cnn', 'text/plain', 400],
    ['no body', '', 'application/json', 400],
    ['a 100 kB body', JSON.stringify({ preset: 'mnist-cnn', name: 'x'.repeat(100_000) }), 'application/json', 413],
  ])('answers %s with a JSON error and enqueues nothing', async (_, raw, type, status) => {
    const before = await queueSize();
    const res = await http().post('/api/experiments').set(auth('alice')).set('Content-Type', type).send(raw);
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body.statusCode).toBe(status);
    expect(typeof res.body.message).toBe('string');
    expect(await queueSize()).toBe(before);
  });
});

describe('submitting', () => {
  it('records the experiment, appends `queued`, and enqueues one job with the experiment id', async () => {
    const res = await submit('alice', { preset: 'mnist-fc', epochs: 2, limit: 500 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'queued', owner: 'alice', spec: { model: { type: 'fc2layer', hidden: 8 }, epochs: 2, limit: 500 } });
    expect(res.body.position).toBeGreaterThanOrEqual(1);
    const { id } = res.body;

    const job = await h.queue.getJob(id);
    expect(job).toBeDefined();
    expect(job!.name).toBe(JobName.TrainExperiment);
    // A student's job carries the class's time limit, which the worker holds (MAX_JOB_MINUTES, default 60).
    expect(job!.data).toEqual({ experimentId: id, owner: 'alice', maxMinutes: 60 });
    expect(job!.opts.attempts).toBe(trainJobOptions.attempts);
    // Every job carries its fair-share priority (FairShareScheduler), so it waits in BullMQ's prioritized set.
    expect(job!.priority).toBeGreaterThan(0);
    expect(await job!.getState()).toBe('prioritized');

    const events = await http().get(`/api/experiments/${id}/events`).set(auth('alice'));
    expect(events.status).toBe(200);
    expect(events.body).toEqual([expect.objectContaining({ id, seq: 1, type: 'queued', position: res.body.position })]);

    const got = await http().get(`/api/experiments/${id}`).set(auth('alice'));
    expect(got.body).toMatchObject({ id, status: 'queued', lastSeq: 1 });
  });

  it('numbers queue positions in the fair order: a classmate’s first run goes ahead of a backlog', async () => {
    await h.queue.drain(); // an idle queue: the fair-share counters start level
    const alice = [await submit('alice'), await submit('alice'), await submit('alice')];
    expect(alice.map((r) => r.body.position)).toEqual([1, 2, 3]);
    const bob = await submit('bob');
    expect(bob.body.position).toBe(2);
    const now = await Promise.all(alice.map((r) => http().get(`/api/experiments/${r.body.id}`).set(auth('alice'))));
    expect(now.map((r) => r.body.position)).toEqual([1, 3, 4]);
    const listed = (await http().get('/api/experiments').set(auth('bob'))).body as { id: string; position?: number }[];
    expect(listed.find((e) => e.id === bob.body.id)?.position).toBe(2);
  });

  it('accepts a full spec', async () => {
    const spec = {
      dataset: 'synthetic',
      model: { type: 'cnn', features: 4, head: 'conv1x1' },
      optimizer: { type: 'adam', lr: 0.001 },
      epochs: 1,
      batchSize: 32,
      testBatchSize: 100,
    };
    const res = await submit('bob', spec);
    expect(res.status).toBe(201);
    expect(res.body.spec).toMatchObject(spec);
  });

  it('POST /api/suites/week2-mnist creates the four runs in order, with shared overrides', async () => {
    const res = await http().post('/api/suites/week2-mnist').set(auth('alice')).send({ limit: 200, epochs: 1 });
    expect(res.status).toBe(201);
    expect(res.body.suite).toBe('week2-mnist');
    expect(res.body.experiments).toHaveLength(SUITES['week2-mnist'].length);
    for (const e of res.body.experiments) {
      expect(e).toMatchObject({ status: 'queued', owner: 'alice', suite: 'week2-mnist', spec: { limit: 200 } });
      expect((await h.queue.getJob(e.id))?.data).toEqual({ experimentId: e.id, owner: 'alice', maxMinutes: 60 });
    }
    expect(res.body.experiments.map((e: { spec: { name: string } }) => e.spec.name)).toEqual([
      'FC2Layer',
      'CNN',
      'FC2Layer, permuted pixels',
      'CNN, permuted pixels',
    ]);
  });

  it('POST /api/suites without a body uses the presets, with the course\'s SGD steps on the bundled digits', async () => {
    const res = await http().post('/api/suites/week2-mnist').set(auth('bob'));
    expect(res.status).toBe(201);
    expect(res.body.experiments).toHaveLength(4);
    // ⌈938 / ⌈7996 / 64⌉⌉ = 8 epochs = 1,000 steps: the course's one epoch of 60,000 images is 938.
    expect(res.body.experiments.map((e: { spec: { dataset: string; epochs: number } }) => [e.spec.dataset, e.spec.epochs])).toEqual(Array(4).fill(['mnist-bundled', 8]));
  });

  it('applies the course steps rule to every preset request, and an explicit epochs wins', async () => {
    const epochsOf = async (url: string, body: object) => {
      const res = await http().post(url).set(auth('admin')).send(body);
      expect(res.status).toBe(201);
      return (res.body.experiments ?? [res.body]).map((e: { spec: { epochs: number } }) => e.spec.epochs);
    };
    expect(await epochsOf('/api/suites/week2-mnist', { limit: 2000 })).toEqual([30, 30, 30, 30]);
    expect(await epochsOf('/api/suites/week2-mnist', { epochs: 2 })).toEqual([2, 2, 2, 2]);
    expect(await epochsOf('/api/experiments', { preset: 'mnist-cnn' })).toEqual([8]);
    expect(await epochsOf('/api/experiments', { preset: 'mnist-cnn', dataset: 'mnist' })).toEqual([1]);
    expect(await epochsOf('/api/experiments', { preset: 'mnist-cnn', epochs: 1 })).toEqual([1]);
    const presets = await http().get('/api/presets').set(auth('bob'));
    expect(presets.body.presets.find((p: { name: string }) => p.name === 'mnist-fc').spec.epochs).toBe(8);
  });

  it('answers 404 for an unknown suite and 400 for bad suite overrides, enqueueing nothing', async () => {
    const before = await queueSize();
    expect((await http().post('/api/suites/week9-gans').set(auth('alice'))).status).toBe(404);
    const bad = await http().post('/api/suites/week2-mnist').set(auth('alice')).send({ epochs: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].path).toBe('epochs');
    const preset = await http().post('/api/suites/week2-mnist').set(auth('alice')).send({ preset: 'cifar10-vgg16' });
    expect(preset.status).toBe(400);
    expect(await queueSize()).toBe(before);
  });

  it('GET /api/presets lists every preset with its published numbers, and the suites', async () => {
    const res = await http().get('/api/presets').set(auth('bob'));
    expect(res.body.presets.map((p: { name: string }) => p.name)).toEqual(PRESET_NAMES);
    expect(res.body.presets.find((p: { name: string }) => p.name === 'mnist-cnn')).toMatchObject({
      spec: { model: { type: 'cnn' } },
      published: { params: 6422, testAccuracy: 0.9615 },
    });
    expect(res.body.suites).toEqual([{ name: 'week2-mnist', presets: [...SUITES['week2-mnist']] }]);
  });
});

describe('isolation', () => {
  let aliceId: string;
  beforeAll(async () => {
    aliceId = (await submit('alice')).body.id;
    await writeModel(aliceId);
  });

  it.each([
    ['get', ''],
    ['get', '/events'],
    ['post', '/cancel'],
    ['get', '/model'],
    ['get', '/model/model.json'],
    ['get', '/model/weights.bin'],
  ])('another student gets 404 on %s /api/experiments/:id%s, exactly as for an unknown id', async (method, suffix) => {
    const other = await (http() as any)[method](`/api/experiments/${aliceId}${suffix}`).set(auth('bob'));
    const unknown = await (http() as any)[method](`/api/experiments/00000000-0000-4000-8000-000000000000${suffix}`).set(auth('bob'));
    expect(other.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(other.body.message.replace(aliceId, 'ID')).toBe(unknown.body.message.replace('00000000-0000-4000-8000-000000000000', 'ID'));
    // The owner reaches the same route.
    const own = await (http() as any)[method](`/api/experiments/${aliceId}${suffix}`).set(auth('alice'));
    expect(own.status).toBeLessThan(300);
  });

  it('lists only your own experiments; admins list everyone’s', async () => {
    const bobs = await submit('bob');
    const alice = (await http().get('/api/experiments').set(auth('alice'))).body as { id: string; owner: string }[];
    const bob = (await http().get('/api/experiments').set(auth('bob'))).body as { id: string; owner: string }[];
    const admin = (await http().get('/api/experiments').set(auth('admin'))).body as { id: string; owner: string }[];
    expect(alice.every((e) => e.owner === 'alice')).toBe(true);
    expect(bob.every((e) => e.owner === 'bob')).toBe(true);
    expect(alice.map((e) => e.id)).toContain(aliceId);
    expect(bob.map((e) => e.id)).toContain(bobs.body.id);
    expect(admin.map((e) => e.id)).toEqual(expect.arrayContaining([aliceId, bobs.body.id]));
  });

  it('the admin reads any experiment', async () => {
    expect((await http().get(`/api/experiments/${aliceId}`).set(auth('admin'))).status).toBe(200);
  });

  it('ids that could escape the artifacts directory answer 404', async () => {
    for (const id of ['..', '..%2F..%2Fetc', '%2E%2E']) {
      expect((await http().get(`/api/experiments/${id}/model`).set(auth('admin'))).status).toBe(404);
    }
    expect((await http().get(`/api/experiments/${aliceId}/model/..%2Fmodel.json`).set(auth('alice'))).status).toBe(404);
    expect((await http().get(`/api/experiments/${aliceId}/model/other.bin`).set(auth('alice'))).status).toBe(404);
  });
});

describe('cancel', () => {
  it('a queued experiment: job removed, `cancelled` recorded, a second cancel is 409', async () => {
    const { id } = (await submit('alice')).body;
    const res = await http().post(`/api/experiments/${id}/cancel`).set(auth('alice'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, status: 'cancelled', cancel: 'cancelled' });
    expect(await h.queue.getJob(id)).toBeUndefined();
    const events = (await http().get(`/api/experiments/${id}/events`).set(auth('alice'))).body as ExperimentEvent[];
    expect(events.map((e) => [e.seq, e.type])).toEqual([
      [1, 'queued'],
      [2, 'cancelled'],
    ]);
    expect((await http().post(`/api/experiments/${id}/cancel`).set(auth('alice'))).status).toBe(409);
  });

  it('a running experiment: 202, the cancel channel reaches the worker holding the job, which records `cancelled`', async () => {
    const connection = bullConnectionOptions(h.redis.url, 'worker');
    const subscriber = createRedisClient(h.redis.url, { role: 'subscriber' });
    const aborts = new Map<string, () => void>();
    const unsubscribe = await subscribeToCancellations(subscriber, h.config.queuePrefix, (id) => aborts.get(id)?.());
    let started!: (id: string) => void;
    const startedId = new Promise<string>((r) => (started = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    // A stand-in worker: takes the job (holding its lock), waits for the cancellation, and (once
    // the test has seen the API's answer) records `cancelled` as the real worker does. It checks
    // the API's side only: its subscriber subscribes before connecting, which never met the
    // handshake race that left the real worker deaf to cancels. The real
    // worker's cancel, on real processes, is test/pubsub.e2e-spec.ts.
    const worker = new Worker<TrainJobData>(
      QueueName.Training,
      async (job) => {
        const id = job.data.experimentId;
        await h.store.appendEvent(id, { type: 'started', backend: 'cpu', worker: 'test', params: 1, trainSamples: 1, testSamples: 1, epochs: 1, batches: 1 });
        const aborted = new Promise<void>((resolve) => aborts.set(id, resolve));
        started(id);
        await aborted;
        await released;
        await h.store.appendEvent(id, { type: 'cancelled', reason: 'stopped between batches' });
      },
      { connection, prefix: h.config.queuePrefix, autorun: false },
    );
    try {
      await h.queue.drain(); // earlier tests' jobs must not reach this worker
      const { id } = (await submit('alice')).body;
      void worker.run();
      expect(await startedId).toBe(id);

      const res = await http().post(`/api/experiments/${id}/cancel`).set(auth('alice'));
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ id, status: 'running', cancel: 'requested', cancelRequested: true });
      expect(await (await h.queue.getJob(id))?.getState()).toBe('active');
      release();

      await until(async () => (await h.store.get(id))?.status === 'cancelled', 'the run to be cancelled');
      const events = (await http().get(`/api/experiments/${id}/events`).set(auth('alice'))).body as ExperimentEvent[];
      expect(events.map((e) => e.type)).toEqual(['queued', 'started', 'cancelled']);
    } finally {
      release();
      await worker.close();
      await unsubscribe();
      subscriber.disconnect();
    }
  });

  it('a running experiment whose job no worker holds (waiting for a retry) is cancelled at once', async () => {
    const { id } = (await submit('alice')).body;
    await h.store.appendEvent(id, { type: 'started', backend: 'cpu', params: 1, trainSamples: 1, testSamples: 1, epochs: 1, batches: 1 });
    const res = await http().post(`/api/experiments/${id}/cancel`).set(auth('alice'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'cancelled', cancel: 'cancelled' });
    expect(await h.queue.getJob(id)).toBeUndefined();
  });

  it('a finished experiment answers 409', async () => {
    const { id } = (await submit('alice')).body;
    await h.store.appendEvent(id, { type: 'failed', error: 'boom' });
    expect((await http().post(`/api/experiments/${id}/cancel`).set(auth('alice'))).status).toBe(409);
  });

  it('the admin may cancel a student’s experiment', async () => {
    const { id } = (await submit('bob')).body;
    expect((await http().post(`/api/experiments/${id}/cancel`).set(auth('admin'))).status).toBe(200);
  });
});

describe('GET /api/experiments/:id/model', () => {
  it('answers 404 before a model is saved', async () => {
    const { id } = (await submit('alice')).body;
    const res = await http().get(`/api/experiments/${id}/model`).set(auth('alice'));
    expect(res.status).toBe(404);
    expect(res.body.message).toMatch(/no saved model/);
  });

  it.each(['/model', '/model/model.json'])('serves a model tf.loadLayersModel can load from %s', async (suffix) => {
    const { id } = (await submit('alice')).body;
    const saved = await writeModel(id);
    const loaded = await tf.loadLayersModel(
      tf.io.http(`${h.api.url}/api/experiments/${id}${suffix}`, { requestInit: { headers: auth('alice') }, fetchFunc: sameRealmFetch }),
    );
    const x = tf.tensor2d([[1, 2, 3, 4]]);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((saved.predict(x) as tf.Tensor).dataSync()));
    tf.dispose([x]);
  });
});

describe('ops routes', () => {
  it('GET /health is public and reports Redis and the workers', async () => {
    const res = await http().get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ redis: { ok: true }, workers: { count: 0 }, status: 'degraded' });

    await h.queue.drain();
    const worker = new Worker(QueueName.Training, async () => undefined, {
      connection: bullConnectionOptions(h.redis.url, 'worker'),
      prefix: h.config.queuePrefix,
      name: 'gpu-box-1',
    });
    try {
      await worker.waitUntilReady();
      await until(async () => (await http().get('/health')).body.workers.count > 0, 'a worker on /health');
      const seen = await http().get('/health');
      expect(seen.status).toBe(200);
      expect(seen.body).toMatchObject({ status: 'ok', workers: { count: 1, names: ['gpu-box-1'] } });
      // A bare BullMQ worker publishes no Trainyard heartbeat: its backend is unknown, not "fine".
      expect(seen.body.workers.backend).toEqual({ 'gpu-box-1': null });
    } finally {
      await worker.close();
    }
  });

  it('GET /metrics: admins only, with queue depth, job histograms and the request counter', async () => {
    expect((await http().get('/metrics').set(auth('alice'))).status).toBe(403);
    await submit('alice');
    const res = await http().get('/metrics').set(auth('admin'));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.text).toMatch(/^trainyard_queue_jobs\{state="prioritized"\} [1-9]/m);
    expect(res.text).toMatch(/^# TYPE trainyard_job_duration_seconds histogram/m);
    expect(res.text).toMatch(/^# TYPE trainyard_training_samples_per_second histogram/m);
    expect(res.text).toMatch(/^trainyard_http_requests_total\{method="POST",route="\/api\/experiments",status="201"\} [1-9]/m);
  });

  it('feeds the job duration, wait and samples/s histograms from finished jobs', async () => {
    await h.queue.drain();
    const { id } = (await submit('alice')).body;
    const worker = new Worker<TrainJobData>(
      QueueName.Training,
      async (job) => {
        const eid = job.data.experimentId;
        await h.store.appendEvent(eid, { type: 'started', backend: 'wasm', params: 6422, trainSamples: 100, testSamples: 10, epochs: 1, batches: 2 });
        const result = { model: 'cnn', params: 6422, testAccuracy: 0.9, testLoss: 0.3, samplesPerSec: 1234, backend: 'wasm' } as TrainingResult;
        await h.store.appendEvent(eid, { type: 'completed', result });
      },
      { connection: bullConnectionOptions(h.redis.url, 'worker'), prefix: h.config.queuePrefix },
    );
    try {
      const scrape = async () => (await http().get('/metrics').set(auth('admin'))).text;
      await until(async () => /^trainyard_training_samples_per_second_count\{model="cnn",backend="wasm"\} 1$/m.test(await scrape()), 'the throughput sample in /metrics');
      const text = await scrape();
      expect(text).toMatch(/^trainyard_training_samples_per_second_bucket\{le="1000",model="cnn",backend="wasm"\} 0$/m);
      expect(text).toMatch(/^trainyard_training_samples_per_second_bucket\{le="3000",model="cnn",backend="wasm"\} 1$/m);
      expect(text).toMatch(/^trainyard_job_duration_seconds_count\{outcome="completed"\} [1-9]/m);
      expect(text).toMatch(/^trainyard_job_wait_seconds_count [1-9]/m);
      expect((await h.store.get(id))?.status).toBe('completed');
    } finally {
      await worker.close();
    }
  });

  it('the queue admin page asks a browser for Basic credentials and admits only admins', async () => {
    const none = await http().get('/admin/queues');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Basic/);
    expect((await http().get('/admin/queues').auth('alice', TOKENS.alice)).status).toBe(403);
    const page = await http().get('/admin/queues').auth('ta', TOKENS.admin);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<html/i);
    const api = await http().get('/admin/queues/api/queues').auth('ta', TOKENS.admin);
    expect(api.status).toBe(200);
    expect(JSON.stringify(api.body)).toContain(QueueName.Training);
    expect((await http().get('/admin/queues/api/queues')).status).toBe(401);
  });

  it('GET /api/docs serves OpenAPI with the experiment request schema from zod', async () => {
    const doc = await http().get('/api/docs/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/experiments', '/api/experiments/{id}/cancel', '/api/suites/{name}']));
    const spec = doc.body.components.schemas.ExperimentSpec;
    expect(spec.additionalProperties).toBe(false);
    expect(spec.properties.epochs).toMatchObject({ type: 'integer', minimum: 1, maximum: 200 });
    expect(doc.body.paths['/api/experiments'].post.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/ExperimentRequest',
    });
    expect((await http().get('/api/docs')).status).toBe(200);
  });

  it('serves the placeholder dashboard at /', async () => {
    const res = await http().get('/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Trainyard');
  });
});

/**
 * Node's fetch, with bodies re-created in the test's realm: jest runs tests in a vm context, and
 * tfjs's instanceof checks reject arrays and ArrayBuffers made by the outer realm's fetch.
 */
async function sameRealmFetchImpl(url: string, init?: RequestInit) {
  const res = await fetch(url, init);
  const bytes = new Uint8Array(await res.arrayBuffer());
  return {
    ok: res.ok,
    status: res.status,
    url: res.url,
    headers: res.headers,
    json: async () => JSON.parse(Buffer.from(bytes).toString('utf8')),
    arrayBuffer: async () => Uint8Array.from(bytes).buffer,
  };
}
const sameRealmFetch = sameRealmFetchImpl as unknown as typeof fetch;

/** A small model saved the way libs/training's saveModel does: model.json + weights.bin. */
async function writeModel(id: string): Promise<tf.LayersModel> {
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 3, activation: 'softmax' })] });
  const dir = path.join(h.config.artifactsDir, id);
  fs.mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(artifacts.weightData as ArrayBuffer));
      fs.writeFileSync(
        path.join(dir, 'model.json'),
        JSON.stringify({ format: 'layers-model', modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }] }),
      );
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return model;
}
