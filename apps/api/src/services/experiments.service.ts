import { InjectQueue } from '@nestjs/bullmq';
import { ConflictException, Injectable, Logger, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JobName, QueueName, type ExperimentEvent, type ExperimentSpec, type TrainJobData } from '@trainyard/contracts';
import { ExperimentStore, TERMINAL_STATUSES, trainJobOptions, type ExperimentRecord } from '@trainyard/experiment-store';
import { canAccess, isAdmin, type Principal } from '../auth/principal';

// Ids are the store's UUIDs; anything else is answered like an unknown id (and never reaches a path).
const EXPERIMENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

export type ExperimentView = ExperimentRecord & { position?: number };

export interface CancelOutcome {
  experiment: ExperimentRecord;
  /** 'cancelled': it was queued and is now cancelled; 'requested': the worker running it will stop. */
  outcome: 'cancelled' | 'requested';
}

@Injectable()
export class ExperimentsService {
  private readonly logger = new Logger(ExperimentsService.name);

  constructor(
    private readonly store: ExperimentStore,
    @InjectQueue(QueueName.Training) private readonly queue: Queue<TrainJobData>,
  ) {}

  /**
   * Records and enqueues already-validated specs. The `queued` event is appended before the job
   * exists, so an idle worker's `started` can never come first in the history.
   */
  async submit(user: Principal, specs: ExperimentSpec[], suite?: string): Promise<ExperimentView[]> {
    const records = await Promise.all(specs.map((spec) => this.store.create({ owner: user.name, spec, suite })));
    const ahead = await this.waitingCount();
    const views: ExperimentView[] = [];
    for (const [i, record] of records.entries()) {
      const position = ahead + i + 1;
      const queued = await this.store.appendEvent(record.id, { type: 'queued', position });
      views.push({ ...record, lastSeq: queued?.seq ?? record.lastSeq, position });
    }
    try {
      await this.queue.addBulk(
        records.map((r) => ({
          name: JobName.TrainExperiment,
          data: { experimentId: r.id, owner: r.owner },
          opts: { ...trainJobOptions, jobId: r.id },
        })),
      );
    } catch (err) {
      const error = `could not enqueue: ${(err as Error).message}`;
      this.logger.error(error);
      await Promise.allSettled(records.map((r) => this.store.appendEvent(r.id, { type: 'failed', error })));
      throw new ServiceUnavailableException('The queue is unavailable; nothing was enqueued, try again');
    }
    return views;
  }

  list(user: Principal): Promise<ExperimentRecord[]> {
    return this.store.list(isAdmin(user) ? {} : { owner: user.name });
  }

  /** The experiment, if it exists and this user may see it; otherwise 404, the same either way. */
  async getOwned(user: Principal, id: string): Promise<ExperimentRecord> {
    const record = EXPERIMENT_ID.test(id) ? await this.store.get(id) : null;
    if (!record || !canAccess(user, record)) throw new NotFoundException(`Experiment ${id} not found`);
    return record;
  }

  async events(user: Principal, id: string): Promise<ExperimentEvent[]> {
    await this.getOwned(user, id);
    return this.store.events(id);
  }

  /**
   * Queued: the store records `cancelled`, and the BullMQ job is removed. Running: the store
   * publishes on the cancel channel and the worker holding the job stops between batches and
   * records `cancelled`. A job no worker holds (waiting for a retry, or orphaned) is removed and
   * recorded here. A worker that takes a job meanwhile sees the finished record and skips it.
   */
  async cancel(user: Principal, id: string, reason = `cancelled by ${user.name}`): Promise<CancelOutcome> {
    const before = await this.getOwned(user, id);
    if (TERMINAL_STATUSES.has(before.status)) {
      throw new ConflictException(`Experiment ${id} already ${before.status}`);
    }
    let after = await this.store.requestCancel(id, reason);
    if (!after) throw new NotFoundException(`Experiment ${id} not found`);
    if (TERMINAL_STATUSES.has(after.status) && after.status !== 'cancelled') {
      throw new ConflictException(`Experiment ${id} already ${after.status}`);
    }
    const removed = await this.removeJob(id);
    if (after.status === 'running' && removed) {
      await this.store.appendEvent(id, { type: 'cancelled', reason });
      after = (await this.store.get(id)) ?? after;
    }
    if (after.status === 'cancelled') return { experiment: after, outcome: 'cancelled' };
    if (TERMINAL_STATUSES.has(after.status)) throw new ConflictException(`Experiment ${id} already ${after.status}`);
    return { experiment: after, outcome: 'requested' };
  }

  /** True when the job is gone from the queue, false when a worker holds it (locked). */
  private async removeJob(id: string): Promise<boolean> {
    try {
      return (await this.queue.remove(id)) === 1;
    } catch (err) {
      this.logger.warn(`Job ${id} not removed from the queue: ${(err as Error).message}`);
      return false;
    }
  }

  private async waitingCount(): Promise<number> {
    const counts = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed');
    return (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0);
  }
}
