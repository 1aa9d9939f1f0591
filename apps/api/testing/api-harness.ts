// Shared by test/api*.e2e-spec.ts and test/socket*.e2e-spec.ts: a real Redis of the test's own,
// a roster with an admin and two students, and API instances started in-process on free ports.
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { loadConfig, type AppConfig } from '@trainyard/config';
import { EventLog, type ClientToServerEvents, type ExperimentEvent, type ServerToClientEvents, type SubscribeAck } from '@trainyard/contracts';
import { createPublishingStore, type ExperimentStore } from '@trainyard/experiment-store';
import { QueueName, type TrainJobData } from '@trainyard/training-queue';
import { bullConnectionOptions } from '@trainyard/redis';
import { deleteKeys, startTestRedis, testPrefix, useFixture, type TestRedis } from '@trainyard/testing';
import { createApiApp } from '../src/create-api-app';

export const TOKENS = {
  admin: 'admin-token-for-tests-0001',
  alice: 'alice-token-for-tests-0002',
  bob: 'bob-token-for-tests-00003',
} as const;
export type TestUser = keyof typeof TOKENS;
export const auth = (user: TestUser) => ({ Authorization: `Bearer ${TOKENS[user]}` });

export interface ApiInstance {
  app: NestExpressApplication;
  url: string;
}

export interface Harness {
  redis: TestRedis;
  config: AppConfig;
  home: string;
  /** The first API instance. */
  api: ApiInstance;
  /** The training queue as a worker would see it (same prefix). */
  queue: Queue<TrainJobData>;
  /** A store like a worker's: appends are published to socket.io rooms through Redis. */
  store: ExperimentStore;
  client: Redis;
  startApi(): Promise<ApiInstance>;
  connect(user: TestUser | { token?: unknown }, api?: ApiInstance): Promise<TypedSocket>;
  close(): Promise<void>;
}

export type TypedSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface HarnessOptions {
  /** Environment on top of the harness's (e.g. MAX_QUEUED_PER_STUDENT for a limits test). */
  env?: Record<string, string>;
}

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * The class limits are set high here, so that tests submitting many runs as one student do not
 * meet them; tests of the limits pass their own through `env`.
 */
export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const redis = await startTestRedis();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'trainyard-api-test-'));
  const rosterFile = path.join(home, 'class-roster.yaml');
  // Hashes only, as the API requires.
  fs.writeFileSync(
    rosterFile,
    ['users:', ...Object.entries(TOKENS).map(([name, token]) => `  - { name: ${name}, role: ${name === 'admin' ? 'admin' : 'student'}, tokenHash: ${sha256(token)} }`)].join('\n') + '\n',
  );
  const prefix = testPrefix();
  const env = {
    REDIS_URL: redis.url,
    CLASS_ROSTER: rosterFile,
    TRAINYARD_HOME: home,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    MAX_QUEUED_PER_STUDENT: '100000',
    RATE_LIMIT_PER_MINUTE: '1000000',
    ...opts.env,
  };
  const config = loadConfig(env, home);
  const apps: ApiInstance[] = [];
  const sockets: TypedSocket[] = [];

  const startApi = async (): Promise<ApiInstance> => {
    const app = await createApiApp(config);
    await app.listen(0, '127.0.0.1');
    const instance = { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
    apps.push(instance);
    return instance;
  };

  const client = new Redis(redis.url);
  const queue = new Queue<TrainJobData>(QueueName.Training, { connection: bullConnectionOptions(redis.url, 'producer'), prefix });
  const store = createPublishingStore(client, { prefix });
  const api = await startApi();

  const connect = (user: TestUser | { token?: unknown }, on: ApiInstance = api) =>
    new Promise<TypedSocket>((resolve, reject) => {
      const socket: TypedSocket = io(on.url, {
        auth: typeof user === 'string' ? { token: TOKENS[user] } : user,
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      sockets.push(socket);
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', reject);
    });

  return {
    redis,
    config,
    home,
    api,
    queue,
    store,
    client,
    startApi,
    connect,
    close: async () => {
      sockets.splice(0).forEach((s) => s.disconnect());
      for (const { app } of apps) await app.close();
      await queue.close();
      await deleteKeys(client, prefix);
      client.disconnect();
      await redis.stop();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Subscribes and collects: the ack's history plus every live event, in arrival order. */
export async function subscribe(socket: TypedSocket, id: string) {
  const live: ExperimentEvent[] = [];
  socket.on('experiment:event', (e) => {
    if (e.id === id) live.push(e);
  });
  const ack = await new Promise<SubscribeAck>((resolve) => socket.emit('subscribe', { id }, resolve));
  return { ack, live };
}

/**
 * What a client following the run holds: contracts' EventLog (the CLI's and the dashboard's seq
 * rule) fed the ack's history, then the live events. Stops before a gap, so a lost event shows as
 * a short list.
 */
export function clientLog(ack: SubscribeAck, live: readonly ExperimentEvent[]): readonly ExperimentEvent[] {
  const log = new EventLog();
  log.add(ack.history ?? []);
  log.add(live);
  return log.events;
}

/** One harness for a whole spec file, closed after all; read its fields inside hooks and tests. */
export const useHarness = (opts: HarnessOptions = {}): Harness => useFixture('the harness', () => startHarness(opts), (h) => h.close());
