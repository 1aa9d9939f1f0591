import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import { bullConnectionOptions } from './redis-connection';
import { redactRedisUrl, redisOptionsFromUrl } from './redis-url';
import { resolveRedis } from './resolve-redis';
import { startPrivateRedis } from './private-redis';
import { pingRedis } from './redis-ping';

describe('resolveRedis', () => {
  let home: string;
  beforeEach(() => (home = fs.mkdtempSync(path.join(os.tmpdir(), 'trainyard-home-'))));
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  it('uses REDIS_URL as given and starts nothing', async () => {
    const r = await resolveRedis({ redisUrl: 'redis://db.example:6380/2', home });
    expect(r).toMatchObject({ url: 'redis://db.example:6380/2', source: 'external' });
    expect(fs.existsSync(path.join(home, 'redis'))).toBe(false);
  });

  it('shares one private server between processes, and keeps its data across a restart', async () => {
    const [first, second] = await Promise.all([resolveRedis({ home }), resolveRedis({ home })]);
    expect([first.source, second.source].sort()).toEqual(['reused', 'started']);
    expect(second.url).toBe(first.url);
    const starter = first.source === 'started' ? first : second;

    const client = new Redis(first.url);
    await client.set('kept', 'yes');
    await client.quit();
    await starter.stop();

    const again = await resolveRedis({ home });
    try {
      expect(again.source).toBe('started');
      expect(again.url).toBe(first.url); // same port and password: old clients reconnect
      const reader = new Redis(again.url);
      await expect(reader.get('kept')).resolves.toBe('yes');
      await reader.quit();
    } finally {
      await again.stop();
    }
  });
});

describe('resolveRedis after the private server was restarted by hand', () => {
  let home: string;
  beforeEach(() => (home = fs.mkdtempSync(path.join(os.tmpdir(), 'trainyard-home-'))));
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  it('reuses the server that answers on the recorded port, instead of starting a second one on the same data', async () => {
    const first = await resolveRedis({ home });
    const record = JSON.parse(fs.readFileSync(path.join(home, 'redis', 'server.json'), 'utf8')) as { pid: number; port: number; password: string };
    // Killed outright, then started again by an operator (or a supervisor): a new pid.
    process.kill(record.pid, 'SIGKILL');
    while (await pingRedis(record.port, { password: record.password })) await new Promise((r) => setTimeout(r, 50));
    const byHand = await startPrivateRedis({ dir: path.join(home, 'redis'), port: record.port, password: record.password });
    try {
      expect(byHand.pid).not.toBe(record.pid);
      const again = await resolveRedis({ home });
      expect(again).toMatchObject({ source: 'reused', url: first.url });
    } finally {
      await byHand.stop();
    }
  });
});

describe('Redis connection options', () => {
  it('parses URLs for BullMQ and masks passwords in logs', () => {
    expect(redisOptionsFromUrl('rediss://user:p%40ss@h:7000/3')).toMatchObject({ host: 'h', port: 7000, username: 'user', password: 'p@ss', db: 3, tls: {} });
    expect(bullConnectionOptions('redis://127.0.0.1:1', 'worker')).toMatchObject({ maxRetriesPerRequest: null });
    expect(bullConnectionOptions('redis://127.0.0.1:1', 'producer')).toMatchObject({ enableOfflineQueue: false });
    expect(redactRedisUrl('redis://:secret@127.0.0.1:1')).not.toContain('secret');
  });
});
