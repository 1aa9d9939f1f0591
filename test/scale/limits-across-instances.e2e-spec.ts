// The limits the API enforces hold for a student across API instances, as they must behind a load
// balancer: the queued limit and the request rate are counted in Redis, not per process. (The
// running limit, which the workers enforce, is in scale-out.e2e-spec.ts.) Two API processes on
// one Redis, no worker, so every accepted run stays queued.
import request from 'supertest';
import { stackAuth, useStack, type StackUser } from '../support/service-stack';

jest.setTimeout(180_000);

const MAX_QUEUED = 3;
const RATE_PER_MINUTE = 8;
const stack = useStack({ env: { MAX_QUEUED_PER_STUDENT: String(MAX_QUEUED), RATE_LIMIT_PER_MINUTE: String(RATE_PER_MINUTE) } });
let apis: string[] = [];
const RUN = { preset: 'mnist-fc', dataset: 'synthetic', epochs: 1, limit: 256, testLimit: 64 };

beforeAll(async () => {
  apis = [(await stack.startApi('limits-api-1')).url, (await stack.startApi('limits-api-2')).url];
});

/** The i-th request of a student goes to instance i mod 2, as a round-robin balancer would send it. */
const via = (i: number) => apis[i % apis.length];
const submit = (user: StackUser, i: number) => request(via(i)).post('/api/experiments').set(stackAuth(user)).send(RUN);

it('the queued limit counts a student\'s runs queued through either instance', async () => {
  for (let i = 0; i < MAX_QUEUED; i++) expect((await submit('alice', i)).status).toBe(201);
  // Instance 2 accepted one run and instance 1 two: a per-process count would accept this one.
  const over = await submit('alice', MAX_QUEUED);
  expect(over.status).toBe(429);
  expect(over.body).toMatchObject({ limit: 'queued' });
  const listed = await Promise.all(apis.map(async (url) => (await request(url).get('/api/experiments').set(stackAuth('alice'))).body.length));
  expect(listed).toEqual([MAX_QUEUED, MAX_QUEUED]);
  // Another student's limit is their own.
  expect((await submit('bob', 1)).status).toBe(201);
});

it('the request rate counts a student\'s requests to either instance', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < RATE_PER_MINUTE + 1; i++) statuses.push((await request(via(i)).get('/api/experiments').set(stackAuth('carol'))).status);
  // Each instance saw about half the requests, under the limit on its own; together they pass it.
  expect(statuses.slice(0, RATE_PER_MINUTE)).toEqual(Array(RATE_PER_MINUTE).fill(200));
  expect(statuses[RATE_PER_MINUTE]).toBe(429);
  // Another student's rate is their own.
  expect((await request(via(0)).get('/api/experiments').set(stackAuth('bob'))).status).toBe(200);
});
