import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { AppConfig } from '@trainyard/config';
import { estimateRun, type ExperimentSpec, type RunEstimate } from '@trainyard/contracts';
import { InjectConfig, RedisClients } from '@trainyard/core';
import { QueueName, ThroughputStore, type TrainJobData } from '@trainyard/training-queue';
import { workerHeartbeats, workerNames } from './live-workers';

/**
 * How long runs will take (contracts' estimateRun): their FLOPs over the throughput the workers
 * measured (ThroughputStore), on the fastest backend among the live workers', so that the time
 * limit refuses a run only if no worker could finish it in time. Live: connected to the queue and
 * not reporting a failed backend check in their heartbeat (a worker without one, such as an
 * older version's, counts with no backend). With no worker live, every backend ever measured
 * stands in, as the workers that come back are most likely the same ones.
 */
@Injectable()
export class RunEstimatesService {
  constructor(
    @InjectQueue(QueueName.Training) private readonly queue: Queue<TrainJobData>,
    private readonly redis: RedisClients,
    @InjectConfig() private readonly config: AppConfig,
    private readonly throughput: ThroughputStore,
  ) {}

  /** One estimate per spec, in order, from one read of the measurements and the live workers. */
  async estimate(specs: readonly ExperimentSpec[]): Promise<RunEstimate[]> {
    const [measurements, backends] = await Promise.all([this.throughput.all(), this.liveBackends()]);
    return specs.map((spec) => estimateRun(spec, measurements, backends));
  }

  private async liveBackends(): Promise<string[]> {
    const beats = await workerHeartbeats(this.redis.commands, this.config.queuePrefix, await workerNames(this.queue));
    return [...new Set(Object.values(beats).flatMap((b) => (b && b.backendOk ? [b.backend] : [])))];
  }
}
