import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { BullModule, Processor, QueueEventsListener, getQueueToken } from '@nestjs/bullmq';
import type { Queue, WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { QueueName } from '@trainyard/contracts';
import type { AppConfig } from '@trainyard/config';
import { ExperimentEventPublisher, ExperimentStore, FairShareScheduler, socketIoRedisKey } from '@trainyard/experiment-store';
import { bullConnectionOptions, createRedisClient } from '@trainyard/redis';
import { FailedJobsListener } from './failed-jobs.listener';
import { TrainExperimentHandler } from './train-experiment.handler';
import type { Trainer } from './trainer.port';
import { TrainingQueueProcessor } from './training-queue.processor';
import { WorkerHeartbeatService } from './worker-heartbeat.service';
import { APP_CONFIG, BACKEND_SELECTION, PINO, PROCESS_EXIT, REDIS_CLIENT, REDIS_SUBSCRIBER, REDIS_URL, TRAINER } from './worker.tokens';

export interface WorkerModuleOptions {
  config: AppConfig;
  redisUrl: string;
  logger: Logger;
  trainer: Trainer;
  /** BullMQ worker options on top of configuration (tests shorten lockDuration and stalledInterval). */
  workerOptions?: Partial<Omit<WorkerOptions, 'connection'>>;
}

const FAILED_EVENTS_REPLAY_MS = 10 * 60_000;

/** Stalls a job may have before BullMQ fails it (see the Processor options below). */
export const MAX_STALLED_COUNT = 5;

@Module({})
export class WorkerModule implements OnApplicationShutdown {
  static forRoot(opts: WorkerModuleOptions): DynamicModule {
    const { config, redisUrl, logger } = opts;
    // @Processor's worker options are class metadata, normally fixed at compile time; applying the
    // decorator here lets configuration choose them (nestjs/bull#2583 declines a built-in way).
    Processor(QueueName.Training, {
      concurrency: config.workerConcurrency ?? 1, // one job per GPU
      autorun: false, // started in onApplicationBootstrap, once every provider is ready
      // A stalled job (its worker killed, or a Redis outage longer than its lock) resumes from its
      // checkpoint and loses at most an epoch, so a few stalls are no reason to fail a student's
      // run; BullMQ never resets the count, and its default of 1 would fail a run on its second
      // stall. A job that kills its worker every time still fails, after this many.
      maxStalledCount: MAX_STALLED_COUNT,
      name: config.workerName,
      ...opts.workerOptions,
    })(TrainingQueueProcessor);
    // Start reading queue events from a few minutes back rather than from "now": a job failed
    // while no worker was listening yet (all of them restarting) still gets its record closed.
    // Replayed failures that were already recorded are refused by the store.
    QueueEventsListener(QueueName.Training, { lastEventId: `${Date.now() - FAILED_EVENTS_REPLAY_MS}-0` })(FailedJobsListener);
    return {
      module: WorkerModule,
      imports: [
        BullModule.forRoot({
          connection: bullConnectionOptions(redisUrl, 'worker', `trainyard-worker:${config.workerName}`),
          prefix: config.queuePrefix,
        }),
        // Also what brings in @nestjs/bullmq's explorer, which turns @Processor classes into workers.
        BullModule.registerQueue({ name: QueueName.Training }),
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: REDIS_URL, useValue: redisUrl },
        { provide: PINO, useValue: logger },
        { provide: TRAINER, useValue: opts.trainer },
        { provide: REDIS_CLIENT, useFactory: () => createRedisClient(redisUrl, { name: `trainyard-worker-store:${config.workerName}`, log: (m) => logger.warn(m) }) },
        { provide: REDIS_SUBSCRIBER, useFactory: () => createRedisClient(redisUrl, { name: `trainyard-worker-cancel:${config.workerName}`, role: 'subscriber', log: (m) => logger.warn(m) }) },
        {
          provide: ExperimentStore,
          inject: [REDIS_CLIENT],
          useFactory: (redis: Redis) =>
            new ExperimentStore(redis, {
              prefix: config.queuePrefix,
              publisher: new ExperimentEventPublisher(redis, {
                key: socketIoRedisKey(config.queuePrefix),
                onError: (err) => logger.warn({ err }, 'live event not published (the store has it)'),
              }),
            }),
        },
        {
          // The fair-share clock, running slots and run durations, shared with the API.
          provide: FairShareScheduler,
          inject: [REDIS_CLIENT, getQueueToken(QueueName.Training)],
          useFactory: (redis: Redis, queue: Queue) => new FairShareScheduler(redis, { prefix: config.queuePrefix, queue }),
        },
        {
          // Async provider: Nest resolves it before any lifecycle hook, so no job starts before
          // TF.js has its backend.
          provide: BACKEND_SELECTION,
          inject: [TRAINER],
          useFactory: async (trainer: Trainer) => {
            const selection = await trainer.initBackend(config.backend, (message) => logger.info(message));
            logger.info({ backend: selection.backend, reason: selection.reason, passedOver: selection.passedOver }, 'TF.js backend selected');
            return selection;
          },
        },
        { provide: PROCESS_EXIT, useValue: (code: number) => process.exit(code) },
        WorkerHeartbeatService,
        TrainExperimentHandler,
        TrainingQueueProcessor,
        FailedJobsListener,
      ],
    };
  }

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(REDIS_SUBSCRIBER) private readonly subscriber: Redis,
  ) {}

  /** After onModuleDestroy, where the worker has closed: nothing uses these connections any more. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.redis.quit(), this.subscriber.quit()]);
  }
}
