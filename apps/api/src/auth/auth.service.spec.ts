import crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import type { AppConfig } from '@trainyard/config';
import { deleteKeys, startTestRedis, testPrefix, until, type TestRedis } from '@trainyard/testing';
import type { RedisClients } from '@trainyard/core';
import { createRedisClient } from '@trainyard/redis';
import { AuthService } from './auth.service';
import { hashTokenHex } from '@trainyard/config';
import { parseRoster } from './roster';

const ADMIN_TOKEN = 'admin-token-0123456789';
const ALICE_TOKEN = 'alice-token-0123456789';
const BOB_TOKEN = 'bob-token-0123456789ab';

// The roster read from a file, kept in a real Redis, and checked in constant time.
describe('AuthService', () => {
  let server: TestRedis;
  let redis: Redis;
  const subscribers: Redis[] = [];
  let dir: string;
  let prefix: string;
  const services: AuthService[] = [];

  beforeAll(async () => {
    Logger.overrideLogger(false);
    server = await startTestRedis();
    redis = new Redis(server.url);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auth-spec-'));
  });
  afterAll(async () => {
    services.forEach((s) => s.onModuleDestroy());
    await Promise.all([redis, ...subscribers].map((c) => c.quit()));
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    prefix = testPrefix();
  });
  afterEach(() => deleteKeys(redis, prefix));

  async function serviceWith(rosterText: string, ext = 'json') {
    const rosterFile = path.join(dir, `roster-${prefix}.${ext}`);
    fs.writeFileSync(rosterFile, rosterText);
    // A subscriber of its own per service: each subscribes to its prefix's channel.
    // Made where production makes it: every pub/sub connection comes from createRedisClient.
    const subscriber = createRedisClient(server.url, { role: 'subscriber', log: () => undefined });
    subscribers.push(subscriber);
    const service = new AuthService({ rosterFile, queuePrefix: prefix } as AppConfig, { commands: redis, subscriber } as unknown as RedisClients);
    services.push(service);
    await service.onModuleInit();
    return { service, rosterFile };
  }

  const roster = JSON.stringify({
    users: [
      { name: 'ta', role: 'admin', tokenHash: hashTokenHex(ADMIN_TOKEN) },
      { name: 'alice', role: 'student', tokenHash: hashTokenHex(ALICE_TOKEN) },
      { name: 'bob', role: 'student', tokenHash: `sha256:${hashTokenHex(BOB_TOKEN).toUpperCase()}` },
    ],
  });

  it('maps each token to its user and role', async () => {
    const { service } = await serviceWith(roster);
    expect(await service.authenticate(ADMIN_TOKEN)).toEqual({ name: 'ta', role: 'admin' });
    expect(await service.authenticate(ALICE_TOKEN)).toEqual({ name: 'alice', role: 'student' });
    expect(await service.authenticate(BOB_TOKEN)).toEqual({ name: 'bob', role: 'student' });
  });

  it('refuses unknown, empty, near-miss and hash-as-token values', async () => {
    const { service } = await serviceWith(roster);
    for (const bad of ['', undefined, null, ALICE_TOKEN + 'x', ALICE_TOKEN.slice(0, -1), hashTokenHex(ALICE_TOKEN), 'x'.repeat(5000)]) {
      expect(await service.authenticate(bad as string)).toBeUndefined();
    }
  });

  it('compares every digest with timingSafeEqual, without stopping at the first match, revoked users included', async () => {
    const { service } = await serviceWith(roster);
    await service.revoke('bob');
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    try {
      await service.authenticate(ADMIN_TOKEN);
      expect(spy).toHaveBeenCalledTimes(3);
      spy.mockClear();
      expect(await service.authenticate(BOB_TOKEN)).toBeUndefined();
      expect(spy).toHaveBeenCalledTimes(3);
    } finally {
      spy.mockRestore();
    }
  });

  it('never keeps or stores a token: digests only, in memory and in Redis', async () => {
    const { service } = await serviceWith(roster);
    const added = await service.addUser('carol', 'student');
    expect(JSON.stringify((service as unknown as { users: unknown }).users)).not.toContain(added.token);
    const stored = Object.values(await redis.hgetall(`${prefix}:roster`)).join();
    for (const token of [ADMIN_TOKEN, ALICE_TOKEN, added.token]) expect(stored).not.toContain(token);
    expect(stored).toContain(hashTokenHex(added.token));
  });

  it('reads Bearer headers and Basic headers with the token as password', async () => {
    const { service } = await serviceWith(roster);
    expect((await service.authenticateHeader(`Bearer ${ALICE_TOKEN}`))?.name).toBe('alice');
    expect((await service.authenticateHeader(`bearer   ${ALICE_TOKEN}`))?.name).toBe('alice');
    const basic = Buffer.from(`anything:${ADMIN_TOKEN}`).toString('base64');
    expect((await service.authenticateHeader(`Basic ${basic}`))?.role).toBe('admin');
    expect(await service.authenticateHeader(ALICE_TOKEN)).toBeUndefined();
    expect(await service.authenticateHeader(`Token ${ALICE_TOKEN}`)).toBeUndefined();
    expect(await service.authenticateHeader(`Basic ${Buffer.from(ADMIN_TOKEN).toString('base64')}`)).toBeUndefined();
  });

  it('reads YAML rosters', async () => {
    const { service } = await serviceWith(`users:\n  - name: ta\n    role: admin\n    tokenHash: ${hashTokenHex(ADMIN_TOKEN)}\n`, 'yaml');
    expect((await service.authenticate(ADMIN_TOKEN))?.role).toBe('admin');
  });

  it('a change made through one instance holds on another at its next check, and is announced to listeners', async () => {
    const { service: one } = await serviceWith(roster);
    const { service: two } = await serviceWith(roster); // same prefix: same roster in Redis
    const heard: (string[] | undefined)[] = [];
    two.onChange((names) => heard.push(names));
    expect(await two.authenticate(ALICE_TOKEN)).toMatchObject({ name: 'alice', role: 'student' });
    const identity = (await two.identify(ALICE_TOKEN))!;
    await one.revoke('alice');
    expect(await two.authenticate(ALICE_TOKEN)).toBeUndefined();
    expect(two.isCurrent('alice', identity.credential)).toBe(false);
    await until(() => heard.some((names) => names?.includes('alice')), 'the roster change to be heard');
  });

  it.each([
    ['a plain token', [{ name: 'x', role: 'admin', token: ADMIN_TOKEN }], /0\.token: plain tokens are not accepted/],
    ['an unknown role', [{ name: 'x', role: 'root', tokenHash: hashTokenHex(ADMIN_TOKEN) }], /0\.role/],
    ['no hash', [{ name: 'x', role: 'admin' }], /0\.tokenHash: required/],
    ['a bad hash', [{ name: 'x', role: 'admin', tokenHash: 'abc' }], /sha256/],
    ['duplicate names', [{ name: 'x', role: 'admin', tokenHash: hashTokenHex(ADMIN_TOKEN) }, { name: 'x', role: 'student', tokenHash: hashTokenHex(ALICE_TOKEN) }], /duplicate name x/],
    ['an unknown field', [{ name: 'x', role: 'admin', tokenHash: hashTokenHex(ADMIN_TOKEN), password: 'p' }], /password/],
  ])('rejects a roster with %s, naming the file and never echoing tokens', (_, users, why) => {
    let message = '';
    try {
      parseRoster(JSON.stringify({ users }), 'class/roster.json');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^Invalid roster class\/roster\.json: /);
    expect(message).toMatch(why);
    expect(message).not.toContain(ADMIN_TOKEN);
  });
});
