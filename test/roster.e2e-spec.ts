// Accounts against a real Redis and several in-process API instances: the roster seeded from
// CLASS_ROSTER, an admin adding, rotating and revoking tokens, and every change taking effect at
// once on every instance, open sockets included.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import request from 'supertest';
import type { INestApplication } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { QueueName } from '@trainyard/training-queue';
import { createApiApp } from '../apps/api/src/create-api-app';
import { auth, startHarness, TOKENS, type ApiInstance, type Harness, type TypedSocket } from '../apps/api/testing/api-harness';

jest.setTimeout(30_000);

let h: Harness;
let second: ApiInstance;
beforeAll(async () => {
  h = await startHarness();
  second = await h.startApi();
});
afterAll(async () => {
  await h?.close();
});

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const me = (api: ApiInstance, token: string) => request(api.url).get('/api/me').set(bearer(token));
const admin = (method: 'get' | 'post', url: string, api: ApiInstance = h.api) => request(api.url)[method](url).set(auth('admin'));
const disconnected = (socket: TypedSocket) => new Promise<string>((resolve) => socket.once('disconnect', resolve));

async function addStudent(name: string): Promise<string> {
  const res = await admin('post', '/api/admin/roster').send({ name });
  expect(res.status).toBe(201);
  return res.body.token;
}

describe('POST /api/admin/roster (add)', () => {
  it('answers the new token once; it works at once on every instance; only its hash is stored', async () => {
    const res = await admin('post', '/api/admin/roster').send({ name: 'carol' });
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ name: 'carol', role: 'student', token: expect.stringMatching(/^ty_[A-Za-z0-9_-]{32}$/) });
    const { token } = res.body;
    expect((await me(second, token)).body).toMatchObject({ name: 'carol', role: 'student' });
    expect((await me(h.api, token)).status).toBe(200);

    const stored = await h.client.hget(`${h.config.queuePrefix}:roster`, 'carol');
    expect(stored).toContain(createHash('sha256').update(token).digest('hex'));
    expect(stored).not.toContain(token);
  });

  it('refuses a taken name (409) and a bad one (400)', async () => {
    expect((await admin('post', '/api/admin/roster').send({ name: 'alice' })).status).toBe(409);
    const bad = await admin('post', '/api/admin/roster').send({ name: 'a b/c' });
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].path).toBe('name');
  });

  it('adds a TA with role admin', async () => {
    const res = await admin('post', '/api/admin/roster').send({ name: 'ta2', role: 'admin' });
    expect((await request(second.url).get('/metrics').set(bearer(res.body.token))).status).toBe(200);
  });
});

describe('POST /api/admin/roster/:name/revoke', () => {
  it('401 at once on every instance; open sockets on every instance are disconnected; the handshake refuses the token', async () => {
    const token = await addStudent('dave');
    const sockets = [await h.connect({ token }), await h.connect({ token }, second)];
    const gone = sockets.map(disconnected);
    const bystander = await h.connect('alice', second);

    const res = await admin('post', '/api/admin/roster/dave/revoke', second);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ name: 'dave', role: 'student', revoked: true });
    // The very next request, on either instance.
    expect((await me(h.api, token)).status).toBe(401);
    expect((await me(second, token)).status).toBe(401);
    expect((await request(h.api.url).post('/api/experiments').set(bearer(token)).send({ preset: 'mnist-fc' })).status).toBe(401);

    expect(await Promise.all(gone)).toEqual(['io server disconnect', 'io server disconnect']);
    await expect(h.connect({ token })).rejects.toThrow('unauthorized');
    await expect(h.connect({ token }, second)).rejects.toThrow('unauthorized');
    expect(bystander.connected).toBe(true);

    const roster = (await admin('get', '/api/admin/roster')).body as { name: string; active: boolean; revokedAt?: string }[];
    expect(roster.find((u) => u.name === 'dave')).toMatchObject({ active: false, revokedAt: expect.any(String) });
  });

  it('answers 404 for a name not on the roster', async () => {
    expect((await admin('post', '/api/admin/roster/nobody/revoke')).status).toBe(404);
    expect((await admin('post', '/api/admin/roster/nobody/rotate')).status).toBe(404);
  });

  it('refuses to revoke the last admin who can sign in (409)', async () => {
    const ta2 = (await admin('get', '/api/admin/roster')).body.find((u: { name: string }) => u.name === 'ta2');
    expect(ta2.active).toBe(true);
    expect((await admin('post', '/api/admin/roster/ta2/revoke')).status).toBe(200);
    const last = await admin('post', '/api/admin/roster/admin/revoke');
    expect(last.status).toBe(409);
    expect(last.body.message).toMatch(/only admin/);
    expect((await me(h.api, TOKENS.admin)).status).toBe(200);
  });
});

describe('POST /api/admin/roster/:name/rotate', () => {
  it('the old token stops at once, its sockets are dropped; the new one works and connects', async () => {
    const old = await addStudent('erin');
    const socket = await h.connect({ token: old }, second);
    const gone = disconnected(socket);
    const res = await admin('post', '/api/admin/roster/erin/rotate');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ name: 'erin', role: 'student', token: expect.any(String) });
    expect(res.body.token).not.toBe(old);
    expect((await me(second, old)).status).toBe(401);
    expect((await me(second, res.body.token)).body.name).toBe('erin');
    expect(await gone).toBe('io server disconnect');
    const fresh = await h.connect({ token: res.body.token }, second);
    expect(fresh.connected).toBe(true);
  });

  it('a revoked user gets a working token back by rotation', async () => {
    const token = (await admin('post', '/api/admin/roster/dave/rotate')).body.token;
    expect((await me(h.api, token)).body.name).toBe('dave');
  });
});

describe('seeding from CLASS_ROSTER', () => {
  it('a restarted or added API instance keeps revocations made through the API', async () => {
    expect((await admin('post', '/api/admin/roster/bob/revoke')).status).toBe(200);
    const third = await h.startApi(); // seeds the same, unchanged file
    expect((await me(third, TOKENS.bob)).status).toBe(401);
    expect((await me(third, TOKENS.alice)).status).toBe(200);
    // Users added through the API survive a seed too.
    const roster = (await admin('get', '/api/admin/roster', third)).body as { name: string }[];
    expect(roster.map((u) => u.name)).toEqual(expect.arrayContaining(['carol', 'dave', 'erin']));
  });

  it('an entry changed in the file wins over Redis; one removed from the file is removed', async () => {
    const newBob = 'bob-new-token-from-the-file-0001';
    const text = fs.readFileSync(h.config.rosterFile!, 'utf8').split('\n');
    const edited = text
      .filter((line) => !line.includes('name: alice'))
      .map((line) => (line.includes('name: bob') ? line.replace(/tokenHash: [0-9a-f]+/, `tokenHash: ${createHash('sha256').update(newBob).digest('hex')}`) : line));
    fs.writeFileSync(h.config.rosterFile!, edited.join('\n'));
    const alice = await h.connect('alice', h.api);
    const gone = disconnected(alice);
    const fourth = await h.startApi();
    expect((await me(fourth, newBob)).body.name).toBe('bob');
    // Every instance applies the seed at once, and drops the removed user's sockets.
    expect((await me(h.api, TOKENS.alice)).status).toBe(401);
    expect((await me(second, newBob)).status).toBe(200);
    expect(await gone).toBe('io server disconnect');
  });
});

describe('start-up', () => {
  it('refuses to start without CLASS_ROSTER, saying how to create one', async () => {
    const app = await createApiApp({ ...h.config, rosterFile: undefined });
    await queueReady(app);
    await expect(app.init()).rejects.toThrow(/CLASS_ROSTER is not set.*trainyard roster init/);
    await app.close().catch(() => undefined);
  });

  it('refuses a roster holding a plain token, without echoing it', async () => {
    const file = `${h.home}/plain-roster.json`;
    const secret = 'a-plain-token-in-the-file-0000001';
    fs.writeFileSync(file, JSON.stringify([{ name: 'ta', role: 'admin', token: secret }]));
    const app = await createApiApp({ ...h.config, rosterFile: file });
    await queueReady(app);
    const failure = await app.init().then(
      () => undefined,
      (err: Error) => err,
    );
    await app.close().catch(() => undefined);
    expect(failure?.message).toMatch(/Invalid roster .*plain-roster\.json: 0\.token: plain tokens are not accepted/);
    expect(failure?.message).not.toContain(secret);
  });
});

/**
 * Waits for the app's BullMQ queue to finish connecting. An app whose init fails is closed at
 * once, and BullMQ's connection set-up (its INFO version check) can then fail after the queue
 * stopped listening, as an unhandled 'error' event (a race in BullMQ, not in what is tested here).
 */
async function queueReady(app: INestApplication): Promise<void> {
  await app.get<Queue>(getQueueToken(QueueName.Training)).waitUntilReady();
}
