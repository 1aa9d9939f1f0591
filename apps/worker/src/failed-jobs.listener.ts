import { InjectQueue, OnQueueEvent, QueueEventsHost, QueueEventsListener } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { InjectRootLogger } from '@trainyard/core';
import { ExperimentStore } from '@trainyard/experiment-store';
import { QueueName, type TrainJobData } from '@trainyard/training-queue';

/**
 * Records `failed` for jobs that BullMQ fails where no handler runs: a job whose workers died
 * mid-run more than `maxStalledCount` times is failed by a stalled check, and its record would
 * otherwise say `running` for ever. Every worker hears the event; the store keeps the first
 * terminal event only, so a failure the handler already recorded is refused here, harmlessly.
 * (The handler stays the writer for the jobs it runs: it stores the failure, with its TA detail,
 * before BullMQ acts on it; see ExperimentStore.recordFailure for every writer of `failed`.)
 */
@QueueEventsListener(QueueName.Training)
export class FailedJobsListener extends QueueEventsHost {
  constructor(
    @InjectQueue(QueueName.Training) private readonly queue: Queue<TrainJobData>,
    private readonly store: ExperimentStore,
    @InjectRootLogger() private readonly logger: Logger,
  ) {
    super();
  }

  @OnQueueEvent('failed')
  async onFailed({ jobId, failedReason }: { jobId: string; failedReason: string }): Promise<void> {
    try {
      const job = await this.queue.getJob(jobId);
      if (!job) return;
      const stored = await this.store.recordFailure(job.data.experimentId, failedReason);
      if (stored) this.logger.warn({ experimentId: job.data.experimentId, jobId, failedReason }, 'job failed outside its handler: recorded');
    } catch (err) {
      this.logger.warn({ err, jobId }, 'could not record a failed job');
    }
  }
}
