import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { isTerminal, TERMINAL_STATUSES, type TerminalStatus } from '@trainyard/contracts';
import { QueueName } from '@trainyard/training-queue';

/** Values of `trainyard_queue_jobs{state}` (BullMQ's job states). */
export const QUEUE_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed', 'paused'] as const;

/** Values of `trainyard_job_duration_seconds{outcome}`: how a training job ended, its run's terminal status. */
export const JOB_OUTCOMES: readonly TerminalStatus[] = [...TERMINAL_STATUSES].filter(isTerminal);
export type JobOutcome = TerminalStatus;

/**
 * The outcome of a job that BullMQ reports as `completed` or `failed`. A run cancelled by a user
 * completes its job (so it is neither failed nor retried) with the return value
 * `{ outcome: 'cancelled' }`, or `{ outcome: 'skipped' }` when its record had already finished
 * (cancelled while queued): both are `cancelled` here (apps/worker TrainExperimentHandler,
 * TrainJobOutcome). Anything else that completed trained to the end.
 */
export function jobOutcome(event: 'completed' | 'failed', returnvalue: unknown): JobOutcome {
  if (event === 'failed') return 'failed';
  const reported = (returnvalue as { outcome?: unknown } | null | undefined)?.outcome;
  return reported === 'cancelled' || reported === 'skipped' ? 'cancelled' : 'completed';
}

/**
 * Prometheus metrics on a registry of this app's own (two API instances in one test process must
 * not collide in prom-client's global registry). Queue gauges are read from Redis at scrape time;
 * job histograms are fed by JobMetricsListener, so each API instance observes every job: aggregate
 * them with max() across instances, not sum().
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'trainyard_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly jobDuration = new Histogram({
    name: 'trainyard_job_duration_seconds',
    help: 'Time from a worker taking a training job to its end, by outcome',
    labelNames: ['outcome'] as const,
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 12 * 3600],
    registers: [this.registry],
  });

  readonly jobWait = new Histogram({
    name: 'trainyard_job_wait_seconds',
    help: 'Time a training job waited in the queue before a worker took it',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600],
    registers: [this.registry],
  });

  readonly samplesPerSec = new Histogram({
    name: 'trainyard_training_samples_per_second',
    help: 'Training throughput of completed experiments, by model and backend',
    labelNames: ['model', 'backend'] as const,
    buckets: [10, 30, 100, 300, 1000, 3000, 10000, 30000, 100000, 300000],
    registers: [this.registry],
  });

  constructor(@InjectQueue(QueueName.Training) queue: Queue) {
    // A series per outcome from the start: rate()/increase() over a series that appears only at
    // its first observation misses that observation, and a panel or ratio on an absent series is empty.
    for (const outcome of JOB_OUTCOMES) this.jobDuration.zero({ outcome });
    new Gauge({
      name: 'trainyard_queue_jobs',
      help: 'Jobs in the training queue, by state',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const counts = await queue.getJobCounts(...QUEUE_STATES);
        for (const state of QUEUE_STATES) this.set({ state }, counts[state] ?? 0);
      },
    });
    new Gauge({
      name: 'trainyard_workers',
      help: 'Worker connections BullMQ sees on the training queue',
      registers: [this.registry],
      async collect() {
        this.set(await queue.getWorkersCount());
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'trainyard_api_' });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
