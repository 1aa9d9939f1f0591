// Isolation between students, route by route, over HTTP and the socket, against a real Redis and
// two in-process API instances: A and B cannot see, cancel, download, raise or subscribe to each
// other's work (404, as if absent); admins reach everything; admin routes answer students 403.
import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import { auth, startHarness, subscribe, TOKENS, type ApiInstance, type Harness } from '../apps/api/testing/api-harness';
import { until } from '@trainyard/testing';

jest.setTimeout(30_000);

let h: Harness;
let second: ApiInstance;
const ids: Record<'alice' | 'bob', string> = { alice: '', bob: '' };
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  h = await startHarness();
  second = await h.startApi();
  for (const user of ['alice', 'bob'] as const) {
    const res = await request(h.api.url).post('/api/experiments').set(auth(user)).send({ preset: 'mnist-fc', limit: 100, epochs: 1 });
    expect(res.status).toBe(201);
    ids[user] = res.body.id;
    writeModel(ids[user]);
  }
});
afterAll(async () => {
  await h?.close();
});

/** A saved model as the worker leaves it: model.json listing weights.bin. */
function writeModel(id: string) {
  const dir = path.join(h.config.artifactsDir, id);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: {}, weightsManifest: [{ paths: ['weights.bin'], weights: [] }] }));
  fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.alloc(16));
}

const send = (api: ApiInstance, method: string, url: string) => (request(api.url) as unknown as Record<string, (u: string) => request.Test>)[method.toLowerCase()](url);

// Every route that takes an experiment id. The owner's own request must succeed on the same route.
const EXPERIMENT_ROUTES: [string, string][] = [
  ['GET', '/api/experiments/:id'],
  ['GET', '/api/experiments/:id/events'],
  ['GET', '/api/experiments/:id/model'],
  ['GET', '/api/experiments/:id/model/model.json'],
  ['GET', '/api/experiments/:id/model/weights.bin'],
  ['POST', '/api/experiments/:id/cancel'],
];

describe.each([
  ['alice', 'bob'],
  ['bob', 'alice'],
] as const)("%s's experiment, as %s sees it", (owner, other) => {
  it.each(EXPERIMENT_ROUTES)(`%s %s answers ${other} 404, word for word as an unknown id, on both API instances`, async (method, route) => {
    for (const api of [h.api, second]) {
      const theirs = await send(api, method, route.replace(':id', ids[owner])).set(auth(other));
      const unknown = await send(api, method, route.replace(':id', UNKNOWN)).set(auth(other));
      expect(theirs.status).toBe(404);
      expect(unknown.status).toBe(404);
      expect(theirs.body.message.replace(ids[owner], 'ID')).toBe(unknown.body.message.replace(UNKNOWN, 'ID'));
    }
    // A refused cancel changed nothing.
    expect((await h.store.get(ids[owner]))?.status).toBe('queued');
  });

  it.each(EXPERIMENT_ROUTES.filter(([m]) => m === 'GET'))(`%s %s answers ${owner} and the admin`, async (method, route) => {
    for (const user of [owner, 'admin'] as const) {
      expect((await send(h.api, method, route.replace(':id', ids[owner])).set(auth(user))).status).toBe(200);
    }
  });

  it(`GET /api/experiments lists none of it to ${other}; the admin sees both`, async () => {
    const listed = (await request(h.api.url).get('/api/experiments').set(auth(other))).body as { id: string; owner: string }[];
    expect(listed.map((e) => e.id)).not.toContain(ids[owner]);
    expect(listed.every((e) => e.owner === other)).toBe(true);
    const all = (await request(second.url).get('/api/experiments').set(auth('admin'))).body as { id: string }[];
    expect(all.map((e) => e.id)).toEqual(expect.arrayContaining([ids.alice, ids.bob]));
  });

  it(`socket subscribe {id} refuses ${other} with the unknown-id ack, and none of its live events reach ${other}`, async () => {
    const intruder = await h.connect(other, second);
    const refused = await subscribe(intruder, ids[owner]);
    expect(refused.ack).toEqual({ ok: false, error: 'not found' });
    expect((await subscribe(intruder, UNKNOWN)).ack).toEqual(refused.ack);
    const watcher = await subscribe(await h.connect(owner), ids[owner]);
    expect(watcher.ack.ok).toBe(true);
    const admin = await subscribe(await h.connect('admin', second), ids[owner]);
    expect(admin.ack.ok).toBe(true);
    await h.store.appendEvent(ids[owner], { type: 'progress', epoch: 1, epochs: 1, batch: 1, batches: 10, loss: 1, batchAccuracy: 0.1, runningAccuracy: 0.1, samplesPerSec: 1 });
    await until(() => watcher.live.length === 1 && admin.live.length === 1, 'the owner and the admin to get the event');
    await new Promise((r) => setTimeout(r, 50));
    expect(refused.live).toEqual([]);
  });
});

describe('after the refusals above', () => {
  it(`POST /api/experiments/:id/cancel works for the owner, and for the admin on a student's run`, async () => {
    expect((await request(h.api.url).post(`/api/experiments/${ids.alice}/cancel`).set(auth('alice'))).status).toBe(200);
    expect((await request(second.url).post(`/api/experiments/${ids.bob}/cancel`).set(auth('admin'))).status).toBe(200);
  });
});

describe('admin-only routes', () => {
  const ADMIN_ROUTES: [string, string][] = [
    ['GET', '/metrics'],
    ['GET', '/admin/queues'],
    ['GET', '/api/admin/roster'],
    ['POST', '/api/admin/roster'],
    ['POST', '/api/admin/roster/bob/rotate'],
    ['POST', '/api/admin/roster/bob/revoke'],
    ['POST', '/api/experiments/:id/priority'],
  ];

  it.each(ADMIN_ROUTES)('%s %s answers a student 403, and without a token 401', async (method, route) => {
    const url = route.replace(':id', ids.alice);
    const student = await send(h.api, method, url).set(auth('alice')).send({ name: 'mallory' });
    expect(student.status).toBe(403);
    expect((await send(h.api, method, url)).status).toBe(401);
  });

  it.each(ADMIN_ROUTES.filter(([m]) => m === 'GET'))('%s %s answers the admin', async (method, route) => {
    expect((await send(h.api, method, route).set(auth('admin'))).status).toBe(200);
  });

  it('nothing changed: the roster still admits bob, and no mallory', async () => {
    expect((await request(h.api.url).get('/api/me').set(auth('bob'))).body).toMatchObject({ name: 'bob', role: 'student' });
    const roster = (await request(h.api.url).get('/api/admin/roster').set(auth('admin'))).body as { name: string; active: boolean }[];
    expect(roster.map((u) => [u.name, u.active])).toEqual([
      ['admin', true],
      ['alice', true],
      ['bob', true],
    ]);
    expect(JSON.stringify(roster)).not.toContain(TOKENS.bob);
    expect(JSON.stringify(roster)).not.toMatch(/[0-9a-f]{64}/); // no digests either
  });
});
