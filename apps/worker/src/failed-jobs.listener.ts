import { Inject } from '@nestjs/common';
import { InjectQueue, OnQueueEvent, QueueEventsHost, QueueEventsListener } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { QueueName, type TrainJobData } from '@trainyard/contracts';
import { ExperimentStore } from '@trainyard/experiment-store';
import { PINO } from './worker.tokens';

/**
 * Records `failed` for jobs that BullMQ fails where no handler runs: a job whose workers died
 * mid-run more than `maxStalledCount` times is failed by a stalled check, and its record would
 * otherwise say `running` for ever. Every worker hears the event; the store keeps the first
 * terminal event only, so a failure the handler already recorded is refused here, harmlessly.
 */
@QueueEventsListener(QueueName.Training)
export class FailedJobsListener extends QueueEventsHost {
  constructor(
    @InjectQueue(QueueName.Training) private readonly queue: Queue<TrainJobData>,
    private readonly store: ExperimentStore,
    @Inject(PINO) private readonly logger: Logger,
  ) {
    super();
  }

  @OnQueueEvent('failed')
  async onFailed({ jobId, failedReason }: { jobId: string; failedReason: string }): Promise<void> {
    try {
      const job = await this.queue.getJob(jobId);
      if (!job) return;
      const stored = await this.store.appendEvent(job.data.experimentId, { type: 'failed', error: failedReason });
      if (stored) this.logger.warn({ experimentId: job.data.experimentId, jobId, failedReason }, 'job failed outside its handler: recorded');
    } catch (err) {
      this.logger.warn({ err, jobId }, 'could not record a failed job');
    }
  }
}
