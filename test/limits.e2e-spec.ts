// The class limits at the API, against a real Redis: per student, experiments queued and requests
// a minute (429 saying which limit and when it frees up; nothing enqueued); per job, epochs and
// epochs × images (400 naming the field; epochs × images only while no worker has measured the
// run: test/run-estimate.e2e-spec.ts covers MAX_JOB_MINUTES). Admins are exempt, and may submit on a student's behalf.
// The running limit is the workers' (test/fair-share.e2e-spec.ts).
import request from 'supertest';
import { auth, startHarness, type Harness, type TestUser } from '../apps/api/testing/api-harness';

jest.setTimeout(30_000);

const SMALL = { preset: 'mnist-fc', limit: 100, epochs: 1 };

async function queueSize(h: Harness) {
  const counts = await h.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'paused');
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

describe('queued limit (MAX_QUEUED_PER_STUDENT=3) and per-job bounds', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { MAX_QUEUED_PER_STUDENT: '3', MAX_EPOCHS_PER_JOB: '10', MAX_SAMPLE_EPOCHS_PER_JOB: '100000' } });
  });
  afterAll(async () => {
    await h?.close();
  });
  const submit = (user: TestUser, body: object = SMALL, query = '') => request(h.api.url).post(`/api/experiments${query}`).set(auth(user)).send(body);

  it('POST /api/experiments: the 4th queued run answers 429 naming the queued limit; nothing is recorded or enqueued', async () => {
    for (let i = 0; i < 3; i++) expect((await submit('alice')).status).toBe(201);
    const before = await queueSize(h);
    const listed = (await request(h.api.url).get('/api/experiments').set(auth('alice'))).body.length;
    const res = await submit('alice');
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests', limit: 'queued' });
    expect(res.body.message).toMatch(/^Queued limit: at most 3 experiments waiting to start per student; you have 3\. A place frees up when one of yours starts, or when you cancel one\.$/);
    // No finished run to estimate from: no Retry-After rather than a made-up one.
    expect(res.headers['retry-after']).toBeUndefined();
    expect(await queueSize(h)).toBe(before);
    expect((await request(h.api.url).get('/api/experiments').set(auth('alice'))).body.length).toBe(listed);
  });

  it('POST /api/suites/week2-mnist: a suite that would pass the limit enqueues none of its runs', async () => {
    const before = await queueSize(h);
    const res = await request(h.api.url).post('/api/suites/week2-mnist').set(auth('bob')).send({ limit: 100, epochs: 1 });
    expect(res.status).toBe(429);
    expect(res.body.message).toMatch(/you have 0 and this request adds 4/);
    expect(await queueSize(h)).toBe(before);
    expect((await request(h.api.url).get('/api/experiments').set(auth('bob'))).body).toEqual([]);
    // Another student's limit is their own.
    expect((await submit('bob')).status).toBe(201);
  });

  // The dashboard's form hinted "Epochs 1 to 200" (the schema) while the class refuses 11: it reads
  // the bounds the API enforces from here.
  it('GET /api/me tells a student the per-job bounds the API enforces; an admin, exempt, gets none', async () => {
    expect((await request(h.api.url).get('/api/me').set(auth('alice'))).body).toEqual({
      name: 'alice',
      role: 'student',
      jobLimits: { maxEpochsPerJob: 10, maxSampleEpochsPerJob: 100_000, maxJobMinutes: 60 },
    });
    expect((await request(h.api.url).get('/api/me').set(auth('admin'))).body).toEqual({ name: 'admin', role: 'admin' });
    // The bound it names is the one a submission meets.
    expect((await submit('bob', { preset: 'mnist-fc', limit: 100, epochs: 11 })).body.message).toMatch(/at most 10 epochs per job in this class/);
  });

  it('a cancelled (or started) run frees its place', async () => {
    const mine = (await request(h.api.url).get('/api/experiments').set(auth('alice'))).body as { id: string; status: string }[];
    const queued = mine.find((e) => e.status === 'queued')!;
    expect((await request(h.api.url).post(`/api/experiments/${queued.id}/cancel`).set(auth('alice'))).status).toBe(200);
    expect((await submit('alice')).status).toBe(201);
    expect((await submit('alice')).status).toBe(429);
  });

  it.each([
    ['epochs over MAX_EPOCHS_PER_JOB', { preset: 'mnist-fc', epochs: 11 }, 'epochs', /at most 10 epochs per job/],
    ['epochs × images over MAX_SAMPLE_EPOCHS_PER_JOB', { preset: 'mnist-fc', dataset: 'mnist', epochs: 10, limit: 20_000 }, 'limit', /10 epoch\(s\) × 20000 training images = 200000 image-epochs/],
    ['the full data set for too many epochs', { preset: 'cifar10-cnn', epochs: 3 }, 'epochs', /3 epoch\(s\) × 50000 training images = 150000 image-epochs; at most 100000/],
  ])('a job with %s answers 400 naming the field; nothing enqueued', async (_, body, field, message) => {
    const before = await queueSize(h);
    const res = await submit('bob', body);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^Over the class limits/);
    expect(res.body.issues).toEqual([{ path: field, message: expect.stringMatching(message) }]);
    expect(await queueSize(h)).toBe(before);
  });

  it('admins are exempt from both, and may submit a long run on a student’s behalf (?owner=)', async () => {
    const long = { preset: 'cifar10-cnn', epochs: 20 };
    for (let i = 0; i < 4; i++) expect((await submit('admin', SMALL)).status).toBe(201);
    expect((await submit('admin', long)).status).toBe(201);
    const forAlice = await submit('admin', long, '?owner=alice');
    expect(forAlice.status).toBe(201);
    expect(forAlice.body.owner).toBe('alice');
    expect((await h.queue.getJob(forAlice.body.id))?.data).toEqual({ experimentId: forAlice.body.id, owner: 'alice', exempt: true });
    // It is alice's: she sees and may cancel it.
    expect((await request(h.api.url).get(`/api/experiments/${forAlice.body.id}`).set(auth('alice'))).status).toBe(200);
    // Students submit for themselves only; an owner must be on the roster.
    expect((await submit('bob', SMALL, '?owner=alice')).status).toBe(403);
    expect((await submit('admin', SMALL, '?owner=nobody')).status).toBe(400);
  });
});

describe('rate limit (RATE_LIMIT_PER_MINUTE=5), per student, shared by every API instance', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { RATE_LIMIT_PER_MINUTE: '5' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('the 6th request in a minute answers 429 with Retry-After; other students, admins and /health are unaffected', async () => {
    for (let i = 0; i < 5; i++) {
      const ok = await request(h.api.url).get('/api/presets').set(auth('alice'));
      expect(ok.status).toBe(200);
      expect(ok.headers['x-ratelimit-remaining']).toBe(String(4 - i));
    }
    const before = await queueSize(h);
    const res = await request(h.api.url).post('/api/experiments').set(auth('alice')).send(SMALL);
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ statusCode: 429, limit: 'rate' });
    expect(res.body.message).toMatch(/^Rate limit: at most 5 requests per 60 s per student; try again in \d+ s$/);
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(res.body.retryAfterSeconds).toBe(retryAfter);
    expect(await queueSize(h)).toBe(before);

    // The count lives in Redis: another API instance refuses alice too.
    const second = await h.startApi();
    expect((await request(second.url).get('/api/me').set(auth('alice'))).status).toBe(429);
    // Keyed by user, not by address (every request here comes from 127.0.0.1).
    expect((await request(second.url).get('/api/me').set(auth('bob'))).status).toBe(200);
    for (let i = 0; i < 8; i++) expect((await request(h.api.url).get('/api/me').set(auth('admin'))).status).toBe(200);
    expect((await request(h.api.url).get('/health')).status).toBe(200);
  });
});
