import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import { availableCores, exitIfShutdownHangs, handleUnhandledRejections, loadConfig, threadOversubscription, type AppConfig } from '@trainyard/config';
import { createRootLogger } from '@trainyard/core';
import { QueueName } from '@trainyard/training-queue';
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

/** What a worker's shutdown may take beyond WORKER_SHUTDOWN_GRACE_MS (ms): handing its jobs back, closing BullMQ and Redis. */
const SHUTDOWN_AFTER_GRACE_MS = 30_000;

/** Starts a worker process: an application context with no HTTP server, exiting 0 on SIGTERM/SIGINT. */
export async function bootstrapWorker(overrides: WorkerOverrides = {}): Promise<INestApplicationContext> {
  const config = overrides.config ?? loadConfig();
  // Made before Nest, so that a rejection during start-up is logged too; CoreModule hands it to nestjs-pino.
  const logger = createRootLogger(config, 'worker');
  handleUnhandledRejections((err) => logger.error({ err }, 'unhandled promise rejection (a bug; the worker goes on)'));
  // Training runs in a fresh process per job: this process never loads TF.js.
  const trainer = overrides.trainer ?? new ForkedTrainer({ trainerModule: overrides.trainerModule, shutdownGraceMs: config.workerShutdownGraceMs });
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot({ config, logger, trainer, workerOptions: overrides.workerOptions }), {
    bufferLogs: true,
    // A start-up failure (no Redis, no redis-server to start) rejects, so that main.ts prints it
    // on one line and exits 1, rather than Nest exiting from inside.
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  // process.exit(0) once the hooks have run (Nest's default re-raises the signal: exit 143).
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  // The batch in progress gets WORKER_SHUTDOWN_GRACE_MS; handing the job back and closing take
  // Redis, which may be gone: past both, exit rather than hang until a SIGKILL.
  exitIfShutdownHangs(config.workerShutdownGraceMs + SHUTDOWN_AFTER_GRACE_MS, (message) => logger.error(message));
  logger.info({ queue: QueueName.Training, concurrency: config.workerConcurrency ?? 1, trainThreads: config.trainThreads }, 'worker ready');
  const oversubscribed = threadOversubscription(config.workerConcurrency ?? 1, config.trainThreads, availableCores());
  if (oversubscribed) logger.warn(oversubscribed);
  return app;
}
