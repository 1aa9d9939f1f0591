import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import { createRedisClient } from './redis-connection';
import { startPrivateRedis, type PrivateRedis } from './private-redis';

// A password-protected server, as in production (AUTH is one more step of the handshake).
let server: PrivateRedis;
let dir: string;
let plain: Redis;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trainyard-redis-connection-'));
  server = await startPrivateRedis({ dir, password: 'a-password-for-this-test' });
  plain = new Redis(server.url);
});
afterAll(async () => {
  plain?.disconnect();
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const numsub = async (channel: string) => Number(((await plain.pubsub('NUMSUB', channel)) as [string, number])[1]);

describe('createRedisClient(role: subscriber)', () => {
  // redis/ioredis#2037: SUBSCRIBE written between `connect` and `ready` used to collide with the
  // ready check's INFO, leaving a client that says `ready` but holds no subscription.
  it('holds a subscription made on `connect`, while the handshake is under way', async () => {
    const channel = 'ch-connect';
    const sub = createRedisClient(server.url, { name: 'spec-sub', role: 'subscriber' });
    const errors: string[] = [];
    sub.on('error', (err: Error) => errors.push(err.message));
    // The fault dropped the connection (failed ready check) and only sometimes got the
    // subscription back on the reconnect: a healthy handshake never reconnects.
    sub.on('reconnecting', () => errors.push('reconnected during the handshake'));
    await new Promise<unknown>((resolve, reject) => sub.once('connect', () => sub.subscribe(channel).then(resolve, reject)));
    if (sub.status !== 'ready') await new Promise((r) => sub.once('ready', r));
    expect(await numsub(channel)).toBe(1);
    const got = new Promise<string>((resolve) => sub.on('message', (_ch: string, m: string) => resolve(m)));
    await plain.publish(channel, 'hello');
    expect(await got).toBe('hello');
    expect(errors).toEqual([]);
    sub.disconnect();
  });

  it('subscribes again after the connection is dropped', async () => {
    const sub = createRedisClient(server.url, { name: 'spec-resub', role: 'subscriber' });
    await sub.subscribe('ch-resub');
    await sub.psubscribe('pat-resub:*');
    // Kill its connection from the server side, as a Redis restart or a network cut would.
    await plain.client('KILL', 'SKIPME', 'yes', 'TYPE', 'pubsub');
    await new Promise((r) => sub.once('ready', r));
    for (let i = 0; i < 200 && (await numsub('ch-resub')) === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await numsub('ch-resub')).toBe(1);
    expect(Number(await plain.pubsub('NUMPAT'))).toBe(1);
    sub.disconnect();
  });
});
