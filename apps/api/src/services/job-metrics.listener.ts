import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { QueueEvents, type Queue } from 'bullmq';
import { runDetached, type AppConfig } from '@trainyard/config';
import { ExperimentStore } from '@trainyard/experiment-store';
import { QueueName, type TrainJobData } from '@trainyard/training-queue';
import { bullConnectionOptions } from '@trainyard/redis';
import { InjectConfig, InjectRedisUrl } from '@trainyard/core';
import { jobOutcome, MetricsService } from './metrics.service';

/**
 * Feeds the job histograms from BullMQ's queue events (a Redis stream, so no polling): duration
 * and wait from the job's timestamps, samples/s from the experiment's stored result.
 */
@Injectable()
export class JobMetricsListener implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(JobMetricsListener.name);
  private events?: QueueEvents;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @InjectRedisUrl() private readonly redisUrl: string,
    @InjectQueue(QueueName.Training) private readonly queue: Queue<TrainJobData>,
    private readonly store: ExperimentStore,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit() {
    // A blocking XREAD connection: it must wait out a Redis restart, hence the worker options.
    this.events = new QueueEvents(QueueName.Training, {
      connection: bullConnectionOptions(this.redisUrl, 'worker', 'trainyard-api-events'),
      prefix: this.config.queuePrefix,
    });
    this.events.on('error', (err) => this.logger.warn(`Queue events: ${err.message}`));
    this.events.on('completed', ({ jobId }) => runDetached(() => this.observe(jobId, 'completed'), (err) => this.skipped(jobId, err)));
    this.events.on('failed', ({ jobId }) => runDetached(() => this.observe(jobId, 'failed'), (err) => this.skipped(jobId, err)));
  }

  async onApplicationShutdown() {
    await this.events?.close();
  }

  private skipped(jobId: string, err: unknown) {
    this.logger.warn(`Metrics for job ${jobId} skipped: ${(err as Error).message}`);
  }

  private async observe(jobId: string, event: 'completed' | 'failed') {
    const job = await this.queue.getJob(jobId);
    // A cancelled run completes its job too; its return value says so.
    const outcome = jobOutcome(event, job?.returnvalue);
    if (job?.processedOn && job.finishedOn) {
      this.metrics.jobDuration.observe({ outcome }, (job.finishedOn - job.processedOn) / 1000);
      this.metrics.jobWait.observe((job.processedOn - job.timestamp) / 1000);
    }
    if (outcome !== 'completed') return;
    const record = await this.store.get(job?.data.experimentId ?? jobId);
    if (record?.result?.samplesPerSec) {
      this.metrics.samplesPerSec.observe({ model: record.result.model, backend: record.result.backend }, record.result.samplesPerSec);
    }
  }
}
