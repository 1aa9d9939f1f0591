// A run's cost before it is queued, against a real Redis and the real API: the estimate in the
// 201 (and in each run of a suite), the estimate route the dashboard's form calls, and the class's
// MAX_JOB_MINUTES (400 naming the estimate and the limit; nothing recorded or queued). The
// workers' measurements are written through ThroughputStore.record, as a worker's handler does
// after a completed run (apps/worker's handler spec covers that side).
import request from 'supertest';
import { presetSpec, runWork, type RunEstimate } from '@trainyard/contracts';
import { ThroughputStore } from '@trainyard/training-queue';
import { auth, startHarness, type Harness, type TestUser } from '../apps/api/testing/api-harness';

jest.setTimeout(30_000);

async function queueSize(h: Harness) {
  const counts = await h.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'paused');
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

describe('run estimates and MAX_JOB_MINUTES', () => {
  let h: Harness;
  let throughput: ThroughputStore;
  beforeAll(async () => {
    h = await startHarness({ env: { MAX_JOB_MINUTES: '60' } });
    throughput = new ThroughputStore(h.client, { prefix: h.config.queuePrefix });
  });
  afterAll(async () => {
    await h?.close();
  });
  const submit = (user: TestUser, body: object, query = '') => request(h.api.url).post(`/api/experiments${query}`).set(auth(user)).send(body);
  const estimate = (user: TestUser, body: object) => request(h.api.url).post('/api/experiments/estimate').set(auth(user)).send(body);
  const listed = async (user: TestUser) => (await request(h.api.url).get('/api/experiments').set(auth(user))).body.length as number;

  it('before any worker has measured: 201 says so, and the time limit is not applied', async () => {
    const res = await submit('alice', { preset: 'cifar10-vgg16', epochs: 10 });
    expect(res.status).toBe(201);
    expect(res.body.estimate).toMatchObject({ basis: 'none', seconds: null, reason: 'no worker has measured this yet', epochs: 10, samples: 50_000 });
    const route = await estimate('alice', { preset: 'cifar10-vgg16', epochs: 10 });
    expect(route.status).toBe(200);
    expect(route.body).toEqual({ estimate: res.body.estimate, maxJobMinutes: 60, issues: [] });
  });

  it("after a worker measured the model: the 201 carries the estimate, from the measured FLOP/s", async () => {
    const spec = presetSpec('mnist-fc', { limit: 2000, epochs: 2 });
    // Completed runs at the preset's batch training at 10 GFLOP/s on wasm.
    await throughput.record('fc2layer', 'wasm', spec.batchSize, 1e10);
    const res = await submit('alice', { preset: 'mnist-fc', limit: 2000, epochs: 2 });
    expect(res.status).toBe(201);
    const body: RunEstimate = res.body.estimate;
    expect(body).toMatchObject({ basis: 'measured', backend: 'wasm', flopsPerSec: 1e10, runs: 1, samples: 2000, epochs: 2, batchSize: 64, measuredBatch: 64, flops: runWork(spec).flops });
    expect(body.seconds).toBeCloseTo(runWork(spec).flops / 1e10, 6);
    expect(Date.parse(body.basis === 'measured' ? body.measuredAt : '')).toBeGreaterThan(Date.now() - 60_000);
  });

  it('a model no worker has measured gets a rough estimate from other models on that backend', async () => {
    const res = await estimate('alice', { preset: 'cifar10-cnn', epochs: 1 });
    expect(res.body.estimate).toMatchObject({ basis: 'rough', backend: 'wasm', fromModel: 'fc2layer' });
  });

  it('a run estimated over MAX_JOB_MINUTES answers 400 naming its estimate and the limit; nothing is recorded or queued', async () => {
    const spec = presetSpec('cifar10-vgg16', { epochs: 10 });
    // vgg16 measured so that 10 CIFAR-10 epochs take 17 hours.
    await throughput.record('vgg16', 'wasm', spec.batchSize, runWork(spec).flops / (17 * 3600));
    const [before, records] = [await queueSize(h), await listed('bob')];
    const res = await submit('bob', { preset: 'cifar10-vgg16', epochs: 10 });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.stringMatching(/^Over the class limits/) });
    expect(res.body.issues).toEqual([
      { path: 'epochs', message: expect.stringMatching(/^estimated to take about 17 h 00 min \(measured on wasm\) for 10 epoch\(s\) × 50000 training images; at most 60 min per job in this class \(MAX_JOB_MINUTES\)/) },
    ]);
    expect(await queueSize(h)).toBe(before);
    expect(await listed('bob')).toBe(records);
    // The form hears the same before submitting.
    expect((await estimate('bob', { preset: 'cifar10-vgg16', epochs: 10 })).body).toMatchObject({ maxJobMinutes: 60, issues: res.body.issues });
    // Half the images for one epoch fits: about 54 min.
    expect((await submit('bob', { preset: 'cifar10-vgg16', epochs: 1, limit: 25_000 })).status).toBe(201);
  });

  it('a batch smaller than the measured one is extrapolated ((b ÷ measured)^0.5), and refused over the limit', async () => {
    // The reviewer's run: cifar10-cnn measured at batch 64 so that 30 epochs take 13.9 min; at
    // batch 1 it really trained at 328 img/s, about 91 min, yet was estimated 13.9 min and accepted.
    const at64 = presetSpec('cifar10-cnn', { epochs: 30 });
    await throughput.record('cifar-cnn', 'wasm', 64, runWork(at64).flops / (13.9 * 60));
    expect((await estimate('alice', { preset: 'cifar10-cnn', epochs: 30 })).body).toMatchObject({ estimate: { basis: 'measured', measuredBatch: 64, batchSize: 64 }, issues: [] });
    const [before, records] = [await queueSize(h), await listed('alice')];
    const res = await submit('alice', { preset: 'cifar10-cnn', epochs: 30, batchSize: 1 });
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([
      { path: 'epochs', message: expect.stringMatching(/^estimated to take about 1 h 51 min \(measured on wasm at batch 64, extrapolated to batch 1\) for 30 epoch\(s\) × 50000 training images; at most 60 min per job/) },
    ]);
    expect(await queueSize(h)).toBe(before);
    expect(await listed('alice')).toBe(records);
    // A batch-1 run that did get measured (say, a TA's) is its own figure: the batch-64 estimate stays.
    await throughput.record('cifar-cnn', 'wasm', 1, runWork(at64).flops / (91 * 60));
    const after = (await estimate('alice', { preset: 'cifar10-cnn', epochs: 30 })).body.estimate as RunEstimate;
    expect(after).toMatchObject({ measuredBatch: 64, runs: 1 });
    expect(after.seconds).toBeCloseTo(13.9 * 60, 3);
    expect((await estimate('alice', { preset: 'cifar10-cnn', epochs: 30, batchSize: 1 })).body.estimate).toMatchObject({ measuredBatch: 1, batchSize: 1 });
  });

  it('an admin is exempt, and sees the estimate; a suite returns an estimate per run', async () => {
    const admin = await submit('admin', { preset: 'cifar10-vgg16', epochs: 10 });
    expect(admin.status).toBe(201);
    expect(admin.body.estimate).toMatchObject({ basis: 'measured', backend: 'wasm' });
    expect((await estimate('admin', { preset: 'cifar10-vgg16', epochs: 10 })).body).toMatchObject({ maxJobMinutes: null, issues: [] });
    const suite = await request(h.api.url).post('/api/suites/week2-mnist').set(auth('alice')).send({ limit: 100, epochs: 1 });
    expect(suite.status).toBe(201);
    expect(suite.body.experiments.map((e: { estimate: RunEstimate }) => e.estimate.basis)).toEqual(['measured', 'rough', 'measured', 'rough']);
  });

  it('a suite refused over MAX_JOB_MINUTES names which of its runs are over', async () => {
    // The CNNs of week2-mnist (2nd and 4th) measured slow enough: 5 epochs of 1000 images take 2 h.
    const cnn = presetSpec('mnist-cnn', { epochs: 5, limit: 1000 });
    await throughput.record('cnn', 'wasm', cnn.batchSize, runWork(cnn).flops / (2 * 3600));
    const before = await queueSize(h);
    const res = await request(h.api.url).post('/api/suites/week2-mnist').set(auth('bob')).send({ limit: 1000, epochs: 5 });
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([
      { path: 'limit', message: expect.stringMatching(/^run 2 of 4 \(CNN\): estimated to take about 2 h 00 min/) },
      { path: 'limit', message: expect.stringMatching(/^run 4 of 4 \(CNN, permuted pixels\): estimated to take about 2 h 00 min/) },
    ]);
    expect(await queueSize(h)).toBe(before);
  });

  it('the estimate route validates with the one schema, and is in the OpenAPI document', async () => {
    const bad = await estimate('alice', { preset: 'mnist-cnn', epochs: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.issues).toEqual([expect.objectContaining({ path: 'epochs' })]);
    const doc = (await request(h.api.url).get('/api/docs/openapi.json')).body;
    expect(doc.paths['/api/experiments/estimate'].post.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/EstimateBody' });
    expect(doc.components.schemas.RunEstimate.properties.basis.enum).toEqual(['measured', 'rough', 'none']);
  });

  it('GET /api/me tells a student MAX_JOB_MINUTES', async () => {
    expect((await request(h.api.url).get('/api/me').set(auth('alice'))).body.jobLimits).toMatchObject({ maxJobMinutes: 60 });
  });
});
