import * as os from 'node:os';
import { getQueueToken } from '@nestjs/bullmq';
import { Test } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { loadConfig } from '@trainyard/config';
import { ExperimentStore } from '@trainyard/experiment-store';
import { FairShareScheduler, QueueName, TrainingQueue } from '@trainyard/training-queue';
import { deleteKeys, testPrefix, until, useTestRedis } from '@trainyard/testing';
import { CoreModule } from './core.module';
import { APP_CONFIG, REDIS_URL, ROOT_LOGGER } from './core.tokens';
import type { CoreRole } from './logger.options';
import { RedisClients } from './redis-clients';

// What the API and the worker both get from CoreModule.forRoot, against a real Redis.
describe('CoreModule.forRoot', () => {
  const t = useTestRedis();
  let prefix: string;
  beforeEach(() => (prefix = testPrefix()));
  afterEach(() => deleteKeys(t.redis, prefix));

  const start = async (role: CoreRole) => {
    const config = loadConfig({ REDIS_URL: t.server.url, QUEUE_PREFIX: prefix, WORKER_NAME: 'gpu-7', LOG_LEVEL: 'silent', TRAINYARD_HOME: os.tmpdir() }, os.tmpdir());
    const app = await Test.createTestingModule({ imports: [CoreModule.forRoot({ config, role })] }).compile();
    await app.init();
    return { app, config };
  };
  const clientNames = async () => String(await t.redis.client('LIST')).match(/name=\S+/g) ?? [];

  it.each([
    ['api', ['name=trainyard-api', 'name=trainyard-api-roster']],
    ['worker', ['name=trainyard-worker-store:gpu-7', 'name=trainyard-worker-cancel:gpu-7']],
  ] as const)('gives the %s its config, its own named Redis clients, and quits them on shutdown', async (role, names) => {
    const { app, config } = await start(role);
    expect(app.get(APP_CONFIG)).toBe(config);
    expect(app.get(REDIS_URL)).toBe(t.server.url);
    const clients = app.get(RedisClients);
    await Promise.all([clients.commands.ping(), clients.subscriber.subscribe(`${prefix}:probe`)]);
    expect(await clientNames()).toEqual(expect.arrayContaining([...names]));
    await app.close();
    // quit() resolves on Redis's OK; the connection ends just after.
    await until(() => clients.commands.status === 'end' && clients.subscriber.status === 'end', 'both clients to quit');
    expect(await clientNames()).not.toEqual(expect.arrayContaining([names[0]]));
  });

  it('wires the store, the training queue and the fair-share scheduler to one Redis, prefix and BullMQ queue', async () => {
    const { app } = await start('api');
    try {
      const store = app.get(ExperimentStore);
      const training = app.get(TrainingQueue);
      const fair = app.get(FairShareScheduler);
      expect(training.queue).toBe(app.get<Queue>(getQueueToken(QueueName.Training)));
      expect(training.queue.opts.prefix).toBe(prefix);

      const record = await store.create({ owner: 'alice', spec: {} as never });
      const [priority] = await fair.assignPriorities('alice', 1);
      await training.enqueue([{ experimentId: record.id, owner: 'alice', priority }]);
      expect(await fair.position(record.id)).toBe(1);
      // The counters are the deployment's (its prefix), so the other application's scheduler continues them.
      const elsewhere = new FairShareScheduler(t.redis, { prefix, queue: training.queue });
      expect(await elsewhere.assignPriorities('alice', 1)).toEqual([priority + 1]);
      expect(await t.redis.exists(store.keys.record(record.id))).toBe(1);
    } finally {
      await app.close();
    }
  });

  it("tags a worker's log lines with the app and the worker's name", async () => {
    const { app } = await start('worker');
    try {
      expect(app.get<Logger>(ROOT_LOGGER).bindings()).toEqual({ app: 'worker', worker: 'gpu-7' });
    } finally {
      await app.close();
    }
  });
});
