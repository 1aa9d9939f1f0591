import { InjectQueue } from '@nestjs/bullmq';
import { ConflictException, ForbiddenException, Injectable, Logger, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { AppConfig } from '@trainyard/config';
import { SpecValidationError, TERMINAL_STATUSES, formatIssues, isExperimentId, type EstimateBody, type ExperimentAnnotation, type ExperimentEvent, type ExperimentSpec, type ExperimentView, type Principal, type RunEstimate } from '@trainyard/contracts';
import { ExperimentStore, type ExperimentRecord } from '@trainyard/experiment-store';
import { QueueName, FairShareScheduler, RAISED_PRIORITY, TrainingQueue, type TrainJobData } from '@trainyard/training-queue';
import { InjectConfig } from '@trainyard/core';
import { AuthService } from '../auth/auth.service';
import { canAccess, isAdmin } from '../auth/principal';
import { jobBoundIssues } from '../limits/job-bounds';
import { LimitExceededException } from '../limits/limit-exceeded.exception';
import { QueueEstimatesService } from './queue-estimates.service';
import { RunEstimatesService } from './run-estimates.service';

export interface CancelOutcome {
  experiment: ExperimentRecord;
  /** 'cancelled': it was queued and is now cancelled; 'requested': the worker running it will stop. */
  outcome: 'cancelled' | 'requested';
}

export interface SubmitOptions {
  suite?: string;
  /** An admin submitting on a student's behalf: the run is the student's, and exempt from limits. */
  owner?: string;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

@Injectable()
export class ExperimentsService {
  private readonly logger = new Logger(ExperimentsService.name);

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly store: ExperimentStore,
    @InjectQueue(QueueName.Training) private readonly queue: Queue<TrainJobData>,
    private readonly fair: FairShareScheduler,
    private readonly training: TrainingQueue,
    private readonly estimates: QueueEstimatesService,
    private readonly runEstimates: RunEstimatesService,
    private readonly auth: AuthService,
  ) {}

  /**
   * Records and enqueues already-validated specs, all or none:
   * 1. each run's estimated time (RunEstimatesService), then the per-job bounds on it (400:
   *    MAX_JOB_MINUTES and the others, see job-bounds) and the owner's queued limit (429), unless
   *    an admin submits; each created run's view carries its `estimate`;
   * 2. fair-share priorities from the owner's counter (FairShareScheduler);
   * 3. `queued` with the position (and estimate) appended before the job exists, so an idle
   *    worker's `started` can never come first in the history; then the jobs, each carrying the
   *    MAX_JOB_MINUTES that applies to it (`maxMinutes`, which the worker holds, also for a run
   *    with no estimate; none for an admin's run).
   */
  async submit(user: Principal, specs: ExperimentSpec[], opts: SubmitOptions = {}): Promise<ExperimentView[]> {
    const exempt = isAdmin(user);
    const owner = this.ownerFor(user, opts.owner);
    const runEstimates = await this.runEstimates.estimate(specs);
    if (!exempt) this.checkJobBounds(specs, runEstimates);
    const limit = exempt ? undefined : this.config.limits.maxQueuedPerStudent;
    const created = await this.store.createQueued(owner, specs.map((spec) => ({ spec, suite: opts.suite })), limit);
    if (!created.created) throw await this.queuedLimitError(owner, created.queued, specs.length);
    const records = created.records;

    const priorities = await this.fair.assignPriorities(owner, records.length);
    const [ahead, starts] = await Promise.all([
      this.fair.aheadOf(priorities),
      this.estimates.startTimes(records.map((r, i) => ({ id: r.id, spec: r.spec, priority: priorities[i] }))).catch(() => new Map<string, number>()),
    ]);
    const views: ExperimentView[] = [];
    for (const [i, record] of records.entries()) {
      // Earlier jobs of this request have lower priorities: they are ahead too.
      const position = ahead[i] + i + 1;
      const estimatedStartAt = iso(starts.get(record.id));
      const queued = await this.store.appendEvent(record.id, { type: 'queued', position, ...(estimatedStartAt ? { estimatedStartAt } : {}) });
      views.push({ ...record, lastSeq: queued?.seq ?? record.lastSeq, position, ...(estimatedStartAt ? { estimatedStartAt } : {}), estimate: runEstimates[i] });
    }
    try {
      // The worker holds the time limit too (TrainJobData.maxMinutes): the estimate can be wrong.
      const maxMinutes = this.config.limits.maxJobMinutes;
      await this.training.enqueue(
        records.map((r, i) => ({
          experimentId: r.id,
          owner: r.owner,
          priority: priorities[i],
          ...(exempt ? { exempt: true } : {}),
          // Every student run, estimated or not: on a new deployment nothing is measured yet, and
          // the worker's limit is then the only one that holds.
          ...(exempt ? {} : { maxMinutes }),
        })),
      );
    } catch (err) {
      const error = `could not enqueue: ${(err as Error).message}`;
      this.logger.error(error);
      // No job exists, so no worker will ever record these runs' end (see ExperimentStore.recordFailure).
      await Promise.allSettled(records.map((r) => this.store.recordFailure(r.id, error)));
      throw new ServiceUnavailableException('The queue is unavailable; nothing was enqueued, try again');
    }
    return views;
  }

  /**
   * POST /api/experiments/estimate: what submitting this spec now would meet (its estimate, the
   * time limit, the per-job bounds it breaks), with nothing recorded or queued. Admins are exempt:
   * no limit, no issues.
   */
  async estimate(user: Principal, spec: ExperimentSpec): Promise<EstimateBody> {
    const [estimate] = await this.runEstimates.estimate([spec]);
    if (isAdmin(user)) return { estimate, maxJobMinutes: null, issues: [] };
    return { estimate, maxJobMinutes: this.config.limits.maxJobMinutes, issues: jobBoundIssues(spec, estimate, this.config.limits) };
  }

  /** Own experiments (admins: all), newest first; queued ones with their place in the fair order. */
  async list(user: Principal): Promise<ExperimentView[]> {
    const records = (await this.store.list(isAdmin(user) ? {} : { owner: user.name })).map((r) => forUser(user, r));
    const positions = await Promise.all(records.map((r) => (r.status === 'queued' ? this.fair.position(r.id).catch(() => undefined) : undefined)));
    return records.map((r, i) => (positions[i] ? { ...r, position: positions[i] } : r));
  }

  /** The experiment, if it exists and this user may see it; otherwise 404, the same either way. */
  async getOwned(user: Principal, id: string): Promise<ExperimentRecord> {
    const record = isExperimentId(id) ? await this.store.get(id) : null;
    if (!record || !canAccess(user, record)) throw new NotFoundException(`Experiment ${id} not found`);
    return forUser(user, record);
  }

  /** GET /api/experiments/{id}: the record, and for a queued one its position and estimated start. */
  async view(user: Principal, id: string): Promise<ExperimentView> {
    const record = await this.getOwned(user, id);
    if (record.status !== 'queued') return record;
    const [position, starts] = await Promise.all([this.fair.position(id), this.estimates.startTimes().catch(() => new Map<string, number>())]);
    const estimatedStartAt = iso(starts.get(id));
    return { ...record, ...(position ? { position } : {}), ...(estimatedStartAt ? { estimatedStartAt } : {}) };
  }

  /**
   * PATCH /api/experiments/{id}: sets the run's tags and/or note. Its owner or an admin only: to
   * anyone else the run does not exist (404, as for every route), so nothing changes.
   */
  async annotate(user: Principal, id: string, annotation: ExperimentAnnotation): Promise<ExperimentView> {
    await this.getOwned(user, id);
    const updated = await this.store.annotate(id, annotation);
    if (!updated) throw new NotFoundException(`Experiment ${id} not found`);
    return this.view(user, id);
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
    if (TERMINAL_STATUSES.has(after.status) && after.status !== 'cancelled') throw new ConflictException(`Experiment ${id} already ${after.status}`);
    // Read from the store, not through getOwned: filtered here like every record this service returns.
    return { experiment: forUser(user, after), outcome: after.status === 'cancelled' ? 'cancelled' : 'requested' };
  }

  /**
   * An admin moves a queued experiment to the front: BullMQ priority 1, ahead of every fair-ordered
   * job (raised jobs among themselves in the order they were raised). A job waiting out a delay
   * (a retry's backoff, or its owner at the running limit) is made ready now; the running limit
   * still applies to it. A new `queued` event tells watchers its new position.
   */
  async raise(user: Principal, id: string): Promise<ExperimentView> {
    const record = await this.getOwned(user, id);
    const job = await this.queue.getJob(id);
    const state = job ? await job.getState() : undefined;
    if (record.status !== 'queued' || !job || !['prioritized', 'waiting', 'delayed'].includes(state ?? '')) {
      throw new ConflictException(`Experiment ${id} is ${record.status}, not waiting in the queue`);
    }
    await job.changePriority({ priority: RAISED_PRIORITY });
    if (state === 'delayed') await job.promote().catch(() => undefined);
    const position = await this.fair.position(id);
    const event = await this.store.appendEvent(id, { type: 'queued', position: position ?? 1 });
    this.logger.log(`Experiment ${id} of ${record.owner} raised by ${user.name}`);
    return { ...record, lastSeq: event?.seq ?? record.lastSeq, ...(position ? { position } : {}) };
  }

  private ownerFor(user: Principal, owner: string | undefined): string {
    if (owner === undefined || owner === user.name) return user.name;
    if (typeof owner !== 'string') throw new SpecValidationError('Give one owner', [{ path: 'owner', message: 'expected one name' }]);
    if (!isAdmin(user)) throw new ForbiddenException('Only admins submit on behalf of another user');
    if (!this.auth.hasUser(owner)) throw new SpecValidationError(`Unknown owner ${owner}`, [{ path: 'owner', message: 'not on the roster' }]);
    return owner;
  }

  private checkJobBounds(specs: ExperimentSpec[], estimates: RunEstimate[]) {
    // In a suite the issues' paths are the shared overrides', so each message names its run.
    const runOf = (spec: ExperimentSpec, i: number) => (specs.length > 1 ? `run ${i + 1} of ${specs.length} (${spec.name ?? spec.model.type}): ` : '');
    const issues = specs.flatMap((spec, i) => jobBoundIssues(spec, estimates[i], this.config.limits).map((issue) => ({ ...issue, message: runOf(spec, i) + issue.message })));
    if (issues.length) throw new SpecValidationError(`Over the class limits: ${formatIssues(issues)}`, issues);
  }

  /** 429 naming the limit, and when a place frees up: the owner's next queued run's estimated start. */
  private async queuedLimitError(owner: string, queued: number, adding: number): Promise<LimitExceededException> {
    const max = this.config.limits.maxQueuedPerStudent;
    let next: number | undefined;
    try {
      const [ids, starts] = await Promise.all([this.store.queuedIds(owner), this.estimates.startTimes()]);
      const times = ids.map((id) => starts.get(id)).filter((t): t is number => t !== undefined);
      if (times.length) next = Math.min(...times);
    } catch {
      // No estimate: the message says what frees a place without a time.
    }
    const retryAfter = next === undefined ? undefined : Math.max(1, Math.ceil((next - Date.now()) / 1000));
    const when = retryAfter === undefined ? '' : ` (the next is estimated to start in about ${retryAfter} s, at ${iso(next)})`;
    return new LimitExceededException(
      'queued',
      `Queued limit: at most ${max} experiments waiting to start per student; you have ${queued}` +
        `${adding > 1 ? ` and this request adds ${adding}` : ''}. A place frees up when one of yours starts${when}, or when you cancel one.`,
      retryAfter,
    );
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
}

/**
 * A record as this user may see it: `adminNote` (server paths, a TA's to-do) goes to admins only.
 * Every record this service returns passes through here (getOwned, list, cancel).
 */
function forUser(user: Principal, record: ExperimentRecord): ExperimentRecord {
  if (isAdmin(user) || record.adminNote === undefined) return record;
  const { adminNote: _hidden, ...rest } = record;
  return rest;
}
