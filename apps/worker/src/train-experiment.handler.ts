import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { DelayedError, UnrecoverableError, WaitingError, type Job, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import { TERMINAL_STATUSES, resolveExperimentRequest, runKind, runWork, type ExperimentEventBody, type ExperimentSpec, type TrainingEvent } from '@trainyard/contracts';
import { ExperimentNotFoundError, ExperimentStore, FencedOutError, subscribeToCancellations, type AppendFence } from '@trainyard/experiment-store';
import { QueueName, FairShareScheduler, ThroughputStore, type TrainJobData } from '@trainyard/training-queue';
import { runDetached, type AppConfig } from '@trainyard/config';
import { InjectConfig, InjectRootLogger, RedisClients } from '@trainyard/core';
import type { BackendSelection } from '@trainyard/training';
import { BackendCrashedError } from './backend-crashed.error';
import { AbortReason, adminDetail, errorMessage, isUnrecoverable } from './job-errors';
import type { Trainer } from './trainer.port';
import { WorkerHeartbeatService } from './worker-heartbeat.service';
import { BACKEND_SELECTION, TRAINER } from './worker.tokens';

/**
 * What a job returns to BullMQ. `imageEpochs` (images loaded × epochs) and `flops` (contracts'
 * runWork of the images loaded) are the work one attempt did from scratch (imageEpochs is the
 * divisor of the duration rate); `batchSize` (runWork's) and `trainingFlopsPerSec` (training
 * FLOPs per image × the trainer's samplesPerSec) are what the throughput store records. All absent
 * after a resume, which did only part of the work; trainingFlopsPerSec also below MIN_MEASURED_STEPS.
 */
export type TrainJobOutcome =
  | { outcome: 'completed'; testAccuracy: number; imageEpochs?: number; flops?: number; batchSize?: number; trainingFlopsPerSec?: number }
  | { outcome: 'cancelled' | 'skipped'; status?: string };

/** How soon a job deferred by its owner's running limit is looked at again. */
export const RUNNING_LIMIT_RECHECK_MS = 2000;

/**
 * Backend crashes a job may cause before it fails. A crash is retried without using one of the
 * student's attempts (the backend, not the spec, failed); the bound stops a job that crashes
 * every backend it meets from being retried for ever.
 */
export const MAX_BACKEND_CRASHES = 2;

/**
 * The fewest training steps (batches × epochs of one attempt) whose rate is recorded for the
 * estimates. A shorter run is mostly V8/XNNPACK warm-up: in one process, from the bench, the
 * course CNN's step took 9.6 ms over steps 3–22 and 5.8 ms over steps 200–250; eight 1-step runs
 * cut a measured 5.37 GFLOP/s to 1.08. Such a run records nothing (logged at debug).
 */
export const MIN_MEASURED_STEPS = 200;

/** The longest delay Node's setTimeout takes (ms); a longer one fires after 1 ms (Node's timers docs). */
const MAX_TIMER_MS = 2 ** 31 - 1;
/**
 * How often a run with a time limit saves its attempt's training time (ms): what a worker killed
 * without a word (kill -9, a lost machine) can leave uncounted. A batch can take longer (VGG on a
 * slow worker), so this is a clock, not a per-event write.
 */
export const ATTEMPT_TIME_SAVE_MS = 1_000;

/** How often an event that Redis could not take is tried again (ms); each try itself retries for ~1.5 s. */
export const EVENT_RETRY_MS = 1000;

/**
 * Runs one `train-experiment` job: adapts the trainer's events to the experiment store (which
 * publishes them live) and turns the way training ended into the job's fate:
 * - completed: `completed` is stored with the result the trainer returned; the job completes.
 * - cancelled by a user (cancel channel, or `cancelRequested` seen at start): `cancelled` is
 *   stored; the job completes, so it is neither failed nor retried.
 * - worker shutdown: `queued` is stored and the job goes back to the front of the wait list.
 * - a spec that can never train (the stored spec fails the shared schema, or does not fit its
 *   data): `failed` is stored; UnrecoverableError skips BullMQ's retries.
 * - the backend crashed (BackendCrashedError): `queued` is stored and the job goes back to the
 *   wait list without using an attempt, up to MAX_BACKEND_CRASHES, then `failed`; the worker
 *   probes its backend and exits for a restart if it can no longer compute.
 * - its training on this attempt passed the job's `maxMinutes` (the class's MAX_JOB_MINUTES, set
 *   by the API): stopped, `failed` stored with the limit named; UnrecoverableError, no retry.
 * - this worker lost the job's lock (lockRenewalFailed): training stops and nothing is stored,
 *   since the job may already be another worker's.
 * - anything else: retried with backoff (`queued` stored), `failed` on the last attempt.
 * - its owner already runs MAX_RUNNING_PER_STUDENT jobs: nothing is stored; the job goes back
 *   to the delayed set for a few seconds (moveToDelayed + DelayedError, which uses no attempt)
 *   and keeps its fair-share priority, so it is first in line again once a slot frees.
 * A retried job appends a fresh `started`, so one history holds every attempt, seq-contiguous.
 */
@Injectable()
export class TrainExperimentHandler implements OnModuleInit {
  /** Running experiments of this process, so a cancel published by any API instance reaches them. */
  private readonly running = new Map<string, AbortController>();

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly store: ExperimentStore,
    @Inject(TRAINER) private readonly trainer: Trainer,
    @Inject(BACKEND_SELECTION) private readonly backend: BackendSelection,
    private readonly redis: RedisClients,
    @InjectQueue(QueueName.Training) private readonly queue: Queue<TrainJobData>,
    @InjectRootLogger() private readonly logger: Logger,
    private readonly fair: FairShareScheduler,
    private readonly heartbeat: WorkerHeartbeatService,
    private readonly throughput: ThroughputStore,
  ) {}

  async onModuleInit(): Promise<void> {
    // Subscribed before the worker takes its first job (the processor starts it at bootstrap).
    await subscribeToCancellations(this.redis.subscriber, this.config.queuePrefix, (id) => this.running.get(id)?.abort(AbortReason.Cancel));
  }

  async handle(job: Job<TrainJobData>, token: string | undefined, jobSignal: AbortSignal | undefined): Promise<TrainJobOutcome> {
    const id = job.data.experimentId;
    const log = this.logger.child({ experimentId: id, jobId: job.id, attempt: job.attemptsMade + 1 });
    // Registered before the record is read: requestCancel sets the flag, then publishes, so a
    // cancellation is either seen in the record below or heard by this controller.
    const local = new AbortController();
    this.running.set(id, local);
    try {
      const record = await this.store.get(id);
      if (!record) throw new UnrecoverableError(`experiment ${id} is not in the store`);
      if (TERMINAL_STATUSES.has(record.status)) {
        log.info({ status: record.status }, 'experiment already finished: skipping the job');
        return { outcome: 'skipped', status: record.status };
      }
      if (record.cancelRequested) {
        await this.store.appendEvent(id, { type: 'cancelled', reason: 'cancelled before it started' });
        log.info('cancelled before it started');
        return { outcome: 'cancelled' };
      }
      if (!(await this.takeRunSlot(job, token, log))) throw new DelayedError();
      // BullMQ aborts jobSignal on worker.cancelJob / cancelAllJobs (shutdown); local, on cancel.
      const signal = jobSignal ? AbortSignal.any([jobSignal, local.signal]) : local.signal;
      this.heartbeat.jobStarted(id);
      try {
        await this.fair.jobStarted(job.priority);
        // The stored spec through the one schema, so one stored by an older version is checked by
        // today's bounds; SpecValidationError fails the run at once (isUnrecoverable).
        const spec = resolveExperimentRequest(record.spec);
        // Monotonic and sub-millisecond: a wall-clock difference can be 0 (or negative after a
        // clock step), and a rate over 0 s is dropped.
        const startedAt = performance.now();
        // Every event of this attempt is stored only while this worker holds the job's lock.
        const fence = token ? { lockKey: this.queue.toKey(`${job.id}:lock`), token } : undefined;
        // Earlier attempts' training counts against the time limit: the time each one saved.
        const limit = job.data.maxMinutes === undefined ? undefined : { minutes: job.data.maxMinutes, usedMs: await this.store.attemptsTime(id) };
        const outcome = await this.train(id, spec, signal, (reason) => local.abort(reason), log, fence, limit);
        if (outcome.outcome === 'completed' && outcome.imageEpochs) await this.recordDuration(runKind(spec), startedAt, outcome.imageEpochs, log);
        if (outcome.outcome === 'completed' && outcome.trainingFlopsPerSec && outcome.batchSize) await this.recordThroughput(spec, outcome.batchSize, outcome.trainingFlopsPerSec, log);
        return outcome;
      } catch (err) {
        if (err instanceof FencedOutError) return await this.afterAbort(job, token, AbortReason.LockLost, log);
        if (signal.aborted) return await this.afterAbort(job, token, String(signal.reason), log);
        if (err instanceof BackendCrashedError) throw await this.afterBackendCrash(job, token, err, log);
        throw await this.afterFailure(job, err, log);
      } finally {
        this.heartbeat.jobEnded(id);
        if (!job.data.exempt) await this.fair.releaseRunSlot(job.data.owner, job.id!).catch((err) => log.warn({ err }, 'running slot not released'));
      }
    } finally {
      this.running.delete(id);
      await this.dropCheckpointIfFinished(id, log);
    }
  }

  /**
   * The run's checkpoint (`ARTIFACTS_DIR/<id>/checkpoint/`) lives while the run can still be
   * resumed, and goes once its record is finished, whichever way it finished (one rule, in one
   * place). Kept after a shutdown, a lost lock, a crash or a retry: the next attempt, on any
   * worker that shares ARTIFACTS_DIR, resumes from it. If Redis cannot say, it stays: a stale
   * checkpoint costs disk, a deleted one a re-run.
   */
  private async dropCheckpointIfFinished(id: string, log: Logger): Promise<void> {
    try {
      const record = await this.store.get(id);
      if (record && !TERMINAL_STATUSES.has(record.status)) return;
      await fs.rm(this.checkpointDir(id), { recursive: true, force: true });
      // The run's folder too, when nothing else is in it (no model: cancelled or failed).
      await fs.rmdir(path.join(this.config.artifactsDir, id)).catch(() => undefined);
    } catch (err) {
      log.warn({ err }, 'checkpoint not cleaned up');
    }
  }

  private checkpointDir(id: string): string {
    return path.join(this.config.artifactsDir, id, 'checkpoint');
  }

  /**
   * Stores one training event. While Redis is away the call is retried every EVENT_RETRY_MS, and
   * training waits (the trainer awaits each event), so no `epoch` or `completed` is lost; it
   * gives up only when the job is aborted (lock lost, shutdown, cancel), and a later attempt
   * resumes from the checkpoint.
   */
  private async appendWaitingOutOutage(id: string, event: TrainingEvent | Extract<ExperimentEventBody, { type: 'completed' }>, signal: AbortSignal, log: Logger, fence?: AppendFence) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.store.appendEvent(id, event, fence);
      } catch (err) {
        if (err instanceof ExperimentNotFoundError || err instanceof FencedOutError || signal.aborted) throw err;
        if (attempt === 0) log.warn({ err: errorMessage(err), event: event.type }, 'event not stored (Redis away?): training paused until it is');
        await sleep(EVENT_RETRY_MS, undefined, { signal });
      }
    }
  }

  /**
   * The owner's running limit, checked atomically as the job starts (several workers may take
   * one student's jobs at once). False: the owner is at the limit and the job was moved back to
   * the delayed set without using an attempt; the caller throws DelayedError.
   */
  private async takeRunSlot(job: Job<TrainJobData>, token: string | undefined, log: Logger): Promise<boolean> {
    if (job.data.exempt) return true;
    const max = this.config.limits.maxRunningPerStudent;
    if (await this.fair.acquireRunSlot(job.data.owner, job.id!, max)) return true;
    await job.moveToDelayed(Date.now() + RUNNING_LIMIT_RECHECK_MS, token);
    log.info({ owner: job.data.owner, maxRunning: max }, 'owner at the running limit: job deferred');
    return false;
  }

  /** Seconds per image-epoch of a kind of run, from the images the worker loaded (a server's set may be smaller than the canonical one). */
  private async recordDuration(kind: string, startedAt: number, imageEpochs: number, log: Logger) {
    await this.fair.recordDuration(kind, (performance.now() - startedAt) / 1000, imageEpochs).catch((err) => log.warn({ err }, 'duration not recorded'));
  }

  /**
   * Feeds the API's run estimates (contracts' estimateRun): this run's training FLOP/s, for its
   * model and batch size on this worker's backend (the one its heartbeat names). From the
   * trainer's training time, not the handler's wall time: in a short run, process start-up and
   * data loading would be most of that, and long runs would then be over-estimated. The estimate
   * charges the test passes at the same rate (runWork's flops).
   */
  private async recordThroughput(spec: ExperimentSpec, batchSize: number, flopsPerSec: number, log: Logger) {
    await this.throughput.record(spec.model.type, this.backend.backend, batchSize, flopsPerSec).catch((err) => log.warn({ err }, 'throughput not recorded'));
  }

  private async train(
    id: string,
    spec: ExperimentSpec,
    signal: AbortSignal,
    abort: (reason: AbortReason) => void,
    log: Logger,
    fence?: AppendFence,
    limit?: { minutes: number; usedMs: number },
  ): Promise<TrainJobOutcome> {
    let resumed = false;
    // The class's time limit, held here too: the estimate that let the run in can be wrong either
    // way. Timed from this attempt's `started` (data loading and process start-up excluded, as in
    // the estimate), less what earlier attempts trained: the time each saved while it trained
    // (every ATTEMPT_TIME_SAVE_MS, and at its end), or the checkpoint's if that says more. So no
    // number of shutdowns or crashes, kill -9 included, buys a run more than the limit plus
    // ATTEMPT_TIME_SAVE_MS a crash. Node fires a timer longer than 2^31−1 ms (24.8 days) at
    // once: such a limit is no limit.
    const limitMs = limit && limit.minutes * 60_000 <= MAX_TIMER_MS ? limit.minutes * 60_000 : undefined;
    let timeLimit: NodeJS.Timeout | undefined;
    const armTimeLimit = (usedMs: number) => {
      clearTimeout(timeLimit);
      timeLimit = setTimeout(() => abort(AbortReason.TimeLimit), Math.max(0, limitMs! - usedMs));
    };
    const attempt = randomUUID();
    let attemptStart: number | undefined;
    let attemptClock: NodeJS.Timeout | undefined;
    // Once a second during a Redis outage would flood the log: one warning per attempt.
    let unsavedWarned = false;
    const saveAttemptTime = () =>
      this.store.saveAttemptTime(id, attempt, performance.now() - attemptStart!).catch((err: unknown) => {
        if (!unsavedWarned) log.warn({ err }, 'attempt time not saved (the time limit may count less of this attempt)');
        unsavedWarned = true;
      });
    const onEvent = async (event: TrainingEvent) => {
      if (event.type === 'resumed') resumed = true;
      if (limitMs !== undefined && event.type === 'started' && !timeLimit) {
        armTimeLimit(limit!.usedMs);
        attemptStart = performance.now();
        attemptClock = setInterval(saveAttemptTime, ATTEMPT_TIME_SAVE_MS);
      }
      if (limitMs !== undefined && event.type === 'resumed') armTimeLimit(Math.max(limit!.usedMs, (event.trainedSeconds ?? 0) * 1000));
      let stored;
      try {
        stored = await this.appendWaitingOutOutage(id, event, signal, log, fence);
      } catch (err) {
        // Our lock expired (a Redis outage longer than it): another worker may train the run
        // now, and every event of ours is refused. Stop this copy. Throwing (not returning) also
        // keeps the trainer from writing the checkpoint that follows an epoch event: a checkpoint
        // must never get ahead of the stored history, or a resumed run would skip that epoch.
        if (err instanceof FencedOutError && !signal.aborted) abort(AbortReason.LockLost);
        throw err;
      }
      if (!stored) {
        // Refused: a stretch of training already in the history (a resumed run), or the record
        // finished elsewhere (cancelled while this job was starting), which stops this copy.
        if (!signal.aborted && TERMINAL_STATUSES.has((await this.store.get(id))?.status ?? 'completed')) abort(AbortReason.RecordFinished);
        return;
      }
      if (event.type === 'started') log.info({ backend: event.backend, batches: event.batches, epochs: event.epochs }, 'training started');
      if (event.type === 'epoch') log.info({ epoch: event.epoch, testAccuracy: event.testAccuracy, samplesPerSec: Math.round(event.samplesPerSec) }, 'epoch done');
    };
    const result = await this.trainer
      .trainExperiment(spec, {
        dataDir: this.config.dataDir,
        signal,
        onEvent,
        saveTo: path.join(this.config.artifactsDir, id),
        checkpoint: { dir: this.checkpointDir(id) },
        worker: this.config.workerName,
        backend: this.backend.backend,
        // Data-parallel threads on wasm/cpu; the native backends ignore it (and log so).
        threads: this.config.trainThreads,
        log: (message: string) => log.info(message),
      })
      .finally(async () => {
        clearTimeout(timeLimit);
        clearInterval(attemptClock);
        if (attemptStart !== undefined) await saveAttemptTime();
      });
    // The one writer of `completed`: the trainer returns its result and reports no `completed` itself.
    await this.appendWaitingOutOutage(id, { type: 'completed', result }, signal, log, fence);
    log.info({ testAccuracy: result.testAccuracy, seconds: result.seconds }, 'training completed');
    const imageEpochs = result.trainSamples * spec.epochs;
    if (resumed || !(imageEpochs > 0)) return { outcome: 'completed', testAccuracy: result.testAccuracy };
    const work = runWork(spec, result.trainSamples, result.testSamples);
    const steps = Math.ceil(work.samples / work.batchSize) * spec.epochs;
    const done = { outcome: 'completed', testAccuracy: result.testAccuracy, imageEpochs, flops: work.flops, batchSize: work.batchSize } as const;
    if (steps < MIN_MEASURED_STEPS) {
      log.debug({ steps, minSteps: MIN_MEASURED_STEPS }, 'run too short to measure its throughput (warm-up): not recorded');
      return done;
    }
    return { ...done, trainingFlopsPerSec: work.flopsPerSample * result.samplesPerSec };
  }

  private async afterAbort(job: Job<TrainJobData>, token: string | undefined, reason: string, log: Logger): Promise<TrainJobOutcome> {
    const id = job.data.experimentId;
    if (reason === AbortReason.Shutdown) {
      // Not a cancellation: the job goes back to the front of the wait list, without using up an
      // attempt, for another worker (BullMQ's "manual retrying": moveToWait + WaitingError).
      // Its next `started` continues this history.
      await this.store.appendEvent(id, { type: 'queued', position: 1 });
      await job.moveToWait(token);
      log.info('worker shutting down: job returned to the queue');
      throw new WaitingError();
    }
    if (reason === AbortReason.Cancel) {
      await this.store.appendEvent(id, { type: 'cancelled', reason: 'cancelled while running' });
      log.info('cancelled while running');
      return { outcome: 'cancelled' };
    }
    if (reason === AbortReason.TimeLimit) {
      const max = job.data.maxMinutes;
      const message = `stopped after ${max} min: this class allows at most ${max} min per job (MAX_JOB_MINUTES); ask a TA to submit a longer run`;
      await this.store.recordFailure(id, message);
      log.warn({ maxMinutes: max }, 'over the time limit: training stopped, failed without retry');
      // A retry would meet the same limit; the record is finished, so its checkpoint goes too.
      throw new UnrecoverableError(message);
    }
    if (reason === AbortReason.LockLost) {
      // The lock expired (this process could not renew it in time), so BullMQ may have handed
      // the job to another worker: whatever we stored or did to the job now could clash with its run.
      log.warn('job lock lost: training stopped, the job is left to whoever holds it now');
      throw new Error(`worker ${this.config.workerName} lost the lock of job ${job.id}`);
    }
    log.info({ reason }, 'experiment finished elsewhere: training stopped');
    return { outcome: 'skipped' };
  }

  /** Where a retried job will stand once its backoff ends: after the jobs of its priority or lower. */
  private async lineLength(job: Job<TrainJobData>): Promise<number> {
    if (!job.priority) {
      const counts = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed');
      return (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0) + 1;
    }
    const [ahead] = await this.fair.aheadOf([job.priority]);
    return ahead + 1;
  }

  /**
   * The backend died under this job. Count it in the job's data (job.updateData: it survives the
   * move back to the queue); below MAX_BACKEND_CRASHES the job goes back to the wait list
   * without using an attempt (moveToWait + WaitingError, as on shutdown), else it fails. Either
   * way this worker checks its own backend, and exits if it can no longer compute.
   */
  private async afterBackendCrash(job: Job<TrainJobData>, token: string | undefined, err: BackendCrashedError, log: Logger): Promise<Error> {
    const id = job.data.experimentId;
    const crashes = (job.data.backendCrashes ?? 0) + 1;
    await job.updateData({ ...job.data, backendCrashes: crashes });
    let outcome: Error;
    if (crashes >= MAX_BACKEND_CRASHES) {
      const message = `the training backend crashed ${crashes} times under this run (last: ${err.message}); it was not retried again`;
      await this.store.recordFailure(id, message);
      log.error({ err, backendCrashes: crashes }, 'backend crashed again: failed');
      outcome = new UnrecoverableError(message);
    } else {
      await this.store.appendEvent(id, { type: 'queued', position: 1 });
      await job.moveToWait(token);
      log.error({ err, backendCrashes: crashes }, 'backend crashed: job returned to the queue, no attempt used');
      outcome = new WaitingError();
    }
    // In the background: the job's fate is settled, and the probe answers within seconds.
    runDetached(() => this.heartbeat.recheckBackend(), (err) => log.error({ err }, 'backend check failed'));
    return outcome;
  }

  /** Stores what the failure means for the experiment; returns the error for BullMQ to act on. */
  private async afterFailure(job: Job<TrainJobData>, err: unknown, log: Logger): Promise<Error> {
    const id = job.data.experimentId;
    const message = errorMessage(err);
    const attempts = job.opts.attempts ?? 1;
    if (isUnrecoverable(err)) {
      // The TA's part first, so the record never shows `failed` without it on the queue page.
      const detail = adminDetail(err);
      if (detail) await this.store.setAdminNote(id, detail).catch((noteErr) => log.warn({ err: noteErr }, 'admin note not stored'));
      await this.store.recordFailure(id, message).catch(() => null);
      log.warn({ err, ...(detail ? { action: detail } : {}) }, detail ? `experiment cannot succeed: failed without retry. For the TA: ${detail}` : 'experiment cannot succeed: failed without retry');
      return err instanceof UnrecoverableError ? err : new UnrecoverableError(message);
    }
    const last = job.attemptsMade + 1 >= attempts;
    // A retry waits out its backoff, then joins the back of the line.
    if (last) await this.store.recordFailure(id, message);
    else await this.store.appendEvent(id, { type: 'queued', position: await this.lineLength(job) });
    log.error({ err, attemptsLeft: attempts - job.attemptsMade - 1 }, last ? 'training failed' : 'training failed: will retry');
    return err instanceof Error ? err : new Error(message);
  }
}
