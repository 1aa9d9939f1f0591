import { Module, type DynamicModule } from '@nestjs/common';
import { Processor, QueueEventsListener } from '@nestjs/bullmq';
import type { WorkerOptions } from 'bullmq';
import type { Logger } from 'pino';
import type { AppConfig } from '@trainyard/config';
import { CoreModule, ROOT_LOGGER } from '@trainyard/core';
import { QueueName } from '@trainyard/training-queue';
import { FailedJobsListener } from './failed-jobs.listener';
import { logGpuChecks } from './gpu-check';
import { TrainExperimentHandler } from './train-experiment.handler';
import type { Trainer } from './trainer.port';
import { TrainingQueueProcessor } from './training-queue.processor';
import { WorkerHeartbeatService } from './worker-heartbeat.service';
import { BACKEND_SELECTION, PROCESS_EXIT, TRAINER } from './worker.tokens';

export interface WorkerModuleOptions {
  config: AppConfig;
  /** The root logger, made before Nest so that start-up failures and stray rejections are logged too. */
  logger?: Logger;
  trainer: Trainer;
  /** BullMQ worker options on top of configuration (tests shorten lockDuration and stalledInterval). */
  workerOptions?: Partial<Omit<WorkerOptions, 'connection'>>;
}

const FAILED_EVENTS_REPLAY_MS = 10 * 60_000;

/** Stalls a job may have before BullMQ fails it (see the Processor options below). */
export const MAX_STALLED_COUNT = 5;

@Module({})
export class WorkerModule {
  static forRoot(opts: WorkerModuleOptions): DynamicModule {
    const { config } = opts;
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
      // Config, Redis, the store, BullMQ and the training queue, fair share, logging: as in the API.
      imports: [CoreModule.forRoot({ config, role: 'worker', logger: opts.logger })],
      providers: [
        { provide: TRAINER, useValue: opts.trainer },
        {
          // Async provider: Nest resolves it before any lifecycle hook, so no job starts before
          // TF.js has its backend.
          provide: BACKEND_SELECTION,
          inject: [TRAINER, ROOT_LOGGER],
          useFactory: async (trainer: Trainer, logger: Logger) => {
            // Before the probe loads libtensorflow: on a GPU it must JIT-compile for, the probe is
            // silent for a long time, and this says why.
            await logGpuChecks(config, logger);
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
}
