import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { runKind, sampleEpochs, type ExperimentSpec } from '@trainyard/contracts';
import { ExperimentStore } from '@trainyard/experiment-store';
import { QueueName, FairShareScheduler, type TrainJobData } from '@trainyard/training-queue';
import { estimateStarts } from './start-estimate';

/** Estimates look this far down the queue at most; later jobs get a position but no time. */
const ESTIMATE_DEPTH = 300;

/** A job about to be enqueued: it is placed after the waiting jobs of its priority or lower. */
export interface PendingJob {
  id: string;
  spec: ExperimentSpec;
  priority: number;
}

/**
 * Estimated start times of waiting jobs, from the durations of finished runs of the same kind
 * (model/dataset, per image-epoch; the workers record them). One slot per worker connection:
 * the deployment runs one worker per GPU with concurrency 1.
 */
@Injectable()
export class QueueEstimatesService {
  constructor(
    @InjectQueue(QueueName.Training) private readonly queue: Queue<TrainJobData>,
    private readonly store: ExperimentStore,
    private readonly fair: FairShareScheduler,
  ) {}

  /** Start time (ms) by job id, for waiting jobs and `pending` ones; absent where unknown. */
  async startTimes(pending: PendingJob[] = []): Promise<Map<string, number>> {
    const rates = await this.fair.durationRates();
    if (rates.size === 0) return new Map();
    const seconds = (spec: ExperimentSpec | undefined) => {
      const rate = spec && rates.get(runKind(spec));
      return rate === undefined || !spec ? undefined : rate * sampleEpochs(spec);
    };
    const [workers, active, waiting] = await Promise.all([this.queue.getWorkersCount(), this.queue.getActive(), this.fair.waitingInOrder(ESTIMATE_DEPTH)]);
    const now = Date.now();
    const specs = await this.specsOf([...active.map((j) => j.data.experimentId), ...waiting.map((w) => w.id)]);
    const running = active.map((job) => {
      const total = seconds(specs.get(job.data.experimentId));
      return total === undefined ? undefined : Math.max(0, total - (now - (job.processedOn ?? now)) / 1000);
    });
    // Pending jobs join after everything already waiting at their priority (BullMQ is FIFO within one).
    const line = waiting.map((w) => ({ id: w.id, priority: w.priority, seconds: seconds(specs.get(w.id)) }));
    const truncated = waiting.length >= ESTIMATE_DEPTH;
    for (const p of pending) {
      const at = line.findIndex((w) => w.priority > p.priority);
      if (at < 0 && truncated) continue; // beyond the depth looked at
      line.splice(at < 0 ? line.length : at, 0, { id: p.id, priority: p.priority, seconds: seconds(p.spec) });
    }
    const starts = estimateStarts(now, workers, running, line);
    return new Map([...starts].filter((e): e is [string, number] => e[1] !== undefined));
  }

  private async specsOf(ids: string[]): Promise<Map<string, ExperimentSpec>> {
    const records = await Promise.all(ids.map((id) => this.store.get(id)));
    return new Map(records.flatMap((r) => (r ? [[r.id, r.spec] as const] : [])));
  }
}
