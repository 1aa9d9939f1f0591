import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { Global, Logger as NestLogger, Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import type { AppConfig } from '@trainyard/config';
import { createPublishingStore, ExperimentStore } from '@trainyard/experiment-store';
import { bullConnectionOptions, redactRedisUrl, resolveRedis } from '@trainyard/redis';
import { FairShareScheduler, QueueName, ThroughputStore, TrainingQueue, type TrainJobData } from '@trainyard/training-queue';
import { APP_CONFIG, REDIS_URL, ROOT_LOGGER } from './core.tokens';
import { createRootLogger, loggerOptions, type CoreRole } from './logger.options';
import { RedisClients, type RedisClientNames } from './redis-clients';

export interface CoreModuleOptions {
  config: AppConfig;
  role: CoreRole;
  /** The root logger when the application needed one before Nest starts (default: `createRootLogger(config, role)`). */
  logger?: Logger;
}

/** Per application: its connections' names, as operators see them in CLIENT LIST, and BullMQ's connection role. */
function connections(config: AppConfig, role: CoreRole): { redis: RedisClientNames; bullRole: 'producer' | 'worker'; bullName: string } {
  return role === 'api'
    ? { redis: { commands: 'trainyard-api', subscriber: 'trainyard-api-roster' }, bullRole: 'producer', bullName: 'trainyard-api' }
    : {
        redis: { commands: `trainyard-worker-store:${config.workerName}`, subscriber: `trainyard-worker-cancel:${config.workerName}` },
        bullRole: 'worker',
        bullName: `trainyard-worker:${config.workerName}`,
      };
}

/**
 * What the API and the worker share, wired once (as immich's ApiModule and MicroservicesModule
 * share one provider list): config, the Redis URL and the two Redis clients, the experiment store
 * with its socket.io publisher, BullMQ with the training queue, the fair-share scheduler, the measured throughputs, the one
 * enqueue path, and logging through nestjs-pino. Global, so every module and async module factory
 * can inject them; being global also puts its shutdown hooks last (Redis quits after the apps drain).
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot(opts: CoreModuleOptions): DynamicModule {
    const { config, role } = opts;
    const logger = opts.logger ?? createRootLogger(config, role);
    const names = connections(config, role);
    const redisLog = new NestLogger('Redis');
    const providers: Provider[] = [
      { provide: APP_CONFIG, useValue: config },
      { provide: ROOT_LOGGER, useValue: logger },
      {
        provide: REDIS_URL,
        // Never stopped by this process: the private server is shared with the other processes and the CLI.
        useFactory: async () => {
          const redis = await resolveRedis(config, { log: (line: string) => logger.info(line) });
          const url = redactRedisUrl(redis.url);
          logger.info({ context: 'Redis', redis: url, source: redis.source, prefix: config.queuePrefix }, `Using ${redis.source} Redis at ${url}`);
          return redis.url;
        },
      },
      {
        provide: RedisClients,
        inject: [REDIS_URL],
        useFactory: (url: string) => new RedisClients(url, names.redis, (m) => redisLog.warn(m)),
      },
      {
        provide: ExperimentStore,
        inject: [RedisClients],
        useFactory: (clients: RedisClients) =>
          // Every appended event (the API's queued and cancelled too) reaches sockets on every API instance.
          createPublishingStore(clients.commands, {
            prefix: config.queuePrefix,
            onPublishError: (err) => logger.warn({ err }, 'live event not published (clients recover it from the history)'),
          }),
      },
      {
        // The fair-share clock, running slots and run durations, shared by the API and the workers.
        provide: FairShareScheduler,
        inject: [RedisClients, getQueueToken(QueueName.Training)],
        useFactory: (clients: RedisClients, queue: Queue) => new FairShareScheduler(clients.commands, { prefix: config.queuePrefix, queue }),
      },
      {
        // The workers' measured FLOP/s per model and backend, which the API's run estimates rest on.
        provide: ThroughputStore,
        inject: [RedisClients],
        useFactory: (clients: RedisClients) => new ThroughputStore(clients.commands, { prefix: config.queuePrefix }),
      },
      {
        provide: TrainingQueue,
        inject: [getQueueToken(QueueName.Training)],
        useFactory: (queue: Queue<TrainJobData>) => new TrainingQueue(queue),
      },
    ];
    return {
      module: CoreModule,
      imports: [
        LoggerModule.forRoot(loggerOptions(config, role, logger)),
        BullModule.forRootAsync({
          inject: [REDIS_URL],
          useFactory: (url: string) => ({ connection: bullConnectionOptions(url, names.bullRole, names.bullName), prefix: config.queuePrefix }),
        }),
        // Also what brings in @nestjs/bullmq's explorer, which turns a worker's @Processor class into a BullMQ worker.
        BullModule.registerQueue({ name: QueueName.Training }),
      ],
      providers,
      // BullModule re-exported: `@InjectQueue(QueueName.Training)` works in every module.
      exports: [APP_CONFIG, ROOT_LOGGER, REDIS_URL, RedisClients, ExperimentStore, FairShareScheduler, ThroughputStore, TrainingQueue, BullModule],
    };
  }
}
