import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import pino from 'pino';
import { QueueName } from '@trainyard/contracts';
import { handleUnhandledRejections, loadConfig, type AppConfig } from '@trainyard/config';
import { redactRedisUrl, resolveRedis } from '@trainyard/redis';
import { PinoNestLogger } from './pino-nest.logger';
import type { Trainer } from './trainer.port';
import { ForkedTrainer } from './training-process/forked-trainer';
import { WorkerModule, type WorkerModuleOptions } from './worker.module';

export interface WorkerOverrides {
  config?: AppConfig;
  /** Replaces the trainer (tests only). */
  trainer?: Trainer;
  /** A module exporting the Trainer port, loaded in each training process in place of libs/training (tests only). */
  trainerModule?: string;
  workerOptions?: WorkerModuleOptions['workerOptions'];
}

/** Starts a worker process: an application context with no HTTP server, exiting 0 on SIGTERM/SIGINT. */
export async function bootstrapWorker(overrides: WorkerOverrides = {}): Promise<INestApplicationContext> {
  const config = overrides.config ?? loadConfig();
  const logger = pino({ level: config.logLevel, base: { app: 'worker', worker: config.workerName } });
  handleUnhandledRejections((err) => logger.error({ err }, 'unhandled promise rejection (a bug; the worker goes on)'));
  const redis = await resolveRedis(config, { log: (message) => logger.info(message) });
  logger.info({ redis: redactRedisUrl(redis.url), source: redis.source, prefix: config.queuePrefix }, 'redis');
  // Training runs in a fresh process per job: this process never loads TF.js.
  const trainer = overrides.trainer ?? new ForkedTrainer({ trainerModule: overrides.trainerModule });
  const app = await NestFactory.createApplicationContext(
    WorkerModule.forRoot({ config, redisUrl: redis.url, logger, trainer, workerOptions: overrides.workerOptions }),
    { logger: new PinoNestLogger(logger) },
  );
  // process.exit(0) once the hooks have run (Nest's default re-raises the signal: exit 143).
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  logger.info({ queue: QueueName.Training, concurrency: config.workerConcurrency ?? 1 }, 'worker ready');
  return app;
}
