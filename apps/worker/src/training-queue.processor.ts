import { type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { InjectRootLogger } from '@trainyard/core';
import { JobName, QueueName, type TrainJobData } from '@trainyard/training-queue';
import { AbortReason } from './job-errors';
import { TrainExperimentHandler } from './train-experiment.handler';

type JobHandler = (job: Job, token: string | undefined, signal: AbortSignal | undefined) => Promise<unknown>;

/**
 * The `training` queue's BullMQ worker: one handler per job name, and a shutdown that hands
 * running jobs back to the queue. Worker options (concurrency, autorun: false, lock settings)
 * are applied by WorkerModule.forRoot from configuration.
 */
@Processor(QueueName.Training)
export class TrainingQueueProcessor extends WorkerHost implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  // A mapped type over JobName: a job name without a handler does not compile.
  private readonly handlers: { [N in JobName]: JobHandler };
  private shuttingDown = false;

  constructor(
    trainExperiment: TrainExperimentHandler,
    @InjectRootLogger() private readonly logger: Logger,
  ) {
    super();
    this.handlers = {
      [JobName.TrainExperiment]: (job, token, signal) => trainExperiment.handle(job as Job<TrainJobData>, token, signal),
    };
  }

  onModuleInit(): void {
    // ...and one that slipped through (a cast, a JS caller) stops the start-up, as immich does.
    const missing = Object.values(JobName).filter((name) => typeof this.handlers[name] !== 'function');
    if (missing.length) throw new Error(`No handler for job(s) ${missing.join(', ')} on queue ${QueueName.Training}`);
  }

  async onApplicationBootstrap(): Promise<void> {
    // A lock this worker failed to renew may already be another worker's: stop our copy of the
    // run rather than train it twice (the handler then stores nothing). Training runs in its own
    // process, so renewal fails only when Redis is unreachable for longer than the lock.
    this.worker.on('lockRenewalFailed', (jobIds) => {
      for (const jobId of jobIds) {
        this.logger.warn({ jobId }, 'could not renew the job lock: stopping its training');
        this.worker.cancelJob(jobId, AbortReason.LockLost);
      }
    });
    // autorun is off so that no job is taken before every provider (backend, cancel channel) is ready.
    this.worker.run().catch((err) => this.logger.error({ err }, 'worker stopped on an error'));
    await this.worker.waitUntilReady();
  }

  /** BullMQ passes an AbortSignal as third argument because this method declares three parameters. */
  async process(job: Job, token?: string, signal?: AbortSignal): Promise<unknown> {
    if (this.shuttingDown) {
      // Fetched while closing: hand it straight back rather than start training.
      await job.moveToWait(token);
      throw new WaitingError();
    }
    const handler = this.handlers[job.name as JobName];
    if (!handler) throw new UnrecoverableError(`No handler for job "${job.name}" on queue ${QueueName.Training}`);
    return handler(job, token, signal);
  }

  /**
   * SIGTERM (enableShutdownHooks): stop taking jobs, abort running training (it finishes its
   * batch and writes its checkpoint, within WORKER_SHUTDOWN_GRACE_MS: ForkedTrainer), and let
   * each job put itself back in the queue (moveToWait + WaitingError) for another worker, rather
   * than wait out a long run or leave the job to be found stalled only after its lock expires.
   * close() resolves once every active job has been handed back; BullMQ's lock manager keeps
   * renewing their locks until then (it closes after the jobs finish), so none stalls meanwhile.
   */
  async onModuleDestroy(): Promise<void> {
    this.shuttingDown = true;
    const closing = this.worker.close();
    this.worker.cancelAllJobs(AbortReason.Shutdown);
    await closing;
    this.logger.info('worker closed');
  }
}
