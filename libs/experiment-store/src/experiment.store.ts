import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import {
  type ExperimentEvent,
  type ExperimentEventBody,
  type ExperimentSpec,
} from '@trainyard/contracts';
import type { ExperimentEventPublisher } from './experiment-event.publisher';
import { cancelChannel, experimentKeys, type ExperimentKeys } from './experiment-keys';
import { ANNOTATE_LUA, APPEND_EVENT_LUA, CREATE_QUEUED_LUA, REQUEST_CANCEL_LUA } from './experiment.scripts';
import { type ExperimentRecord, type ExperimentStatus, type ListFilter } from './experiment.types';

export interface ExperimentStoreOptions {
  /** Key prefix: QUEUE_PREFIX, so a deployment or a test owns all of its keys. */
  prefix: string;
  /** Retention of finished experiments, in days (default 30). See trimExpired(). */
  retentionDays?: number;
  /** When given, every appended event is also published to socket.io (see ExperimentEventPublisher). */
  publisher?: ExperimentEventPublisher;
}

export const DEFAULT_RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;

type StoreRedis = Redis & {
  trainyardAppendEvent(...args: (string | number)[]): Promise<number>;
  trainyardRequestCancel(key: string): Promise<ExperimentStatus | null>;
  trainyardCreateQueued(...args: (string | number)[]): Promise<[number, number]>;
  trainyardAnnotate(key: string, ...fields: string[]): Promise<number>;
};

export interface NewExperiment {
  owner: string;
  spec: ExperimentSpec;
  suite?: string;
}

/** `created`: the records; or refused by the queued limit, with the owner's queued count. */
export type CreateQueuedResult = { created: true; records: ExperimentRecord[] } | { created: false; queued: number };

/**
 * Experiment records and their event histories in Redis, kept apart from BullMQ's jobs so they
 * outlive the queue's clean-up (`removeOnComplete`/`removeOnFail`).
 *
 * Layout: a hash per record, a list per history (the event with seq N is at index N-1, since
 * events are only ever appended, atomically, by one Lua script), and sorted sets indexing
 * records by creation time, by owner and by finish time.
 *
 * Retention rule: a finished (completed, failed or cancelled) experiment is deleted, record and
 * history, by `trimExpired()` once it finished more than `retentionDays` ago; the API calls it
 * periodically. Nothing in the store has a TTL, and unfinished experiments are never trimmed.
 */
export class ExperimentStore {
  readonly keys: ExperimentKeys;
  readonly retentionDays: number;
  private readonly redis: StoreRedis;

  constructor(
    redis: Redis,
    private readonly opts: ExperimentStoreOptions,
  ) {
    this.keys = experimentKeys(opts.prefix);
    this.retentionDays = opts.retentionDays ?? DEFAULT_RETENTION_DAYS;
    // defineCommand caches the script by SHA (EVALSHA, falling back to EVAL once per connection).
    if (!('trainyardAppendEvent' in redis)) {
      redis.defineCommand('trainyardAppendEvent', { numberOfKeys: 4, lua: APPEND_EVENT_LUA });
      redis.defineCommand('trainyardRequestCancel', { numberOfKeys: 1, lua: REQUEST_CANCEL_LUA });
      redis.defineCommand('trainyardCreateQueued', { numberOfKeys: 3, lua: CREATE_QUEUED_LUA });
    }
    if (!('trainyardAnnotate' in redis)) redis.defineCommand('trainyardAnnotate', { numberOfKeys: 1, lua: ANNOTATE_LUA });
    this.redis = redis as StoreRedis;
  }

  get cancelChannel(): string {
    return cancelChannel(this.opts.prefix);
  }

  /** A new record in status `queued` with no events yet; the caller appends `queued` once enqueued. */
  async create(input: NewExperiment): Promise<ExperimentRecord> {
    const result = await this.createQueued(input.owner, [input]);
    if (!result.created) throw new Error('unreachable: no queued limit given');
    return result.records[0];
  }

  /**
   * Creates one owner's records, all or none: with `maxQueued`, only if the owner's experiments in
   * status `queued` (waiting to start, whatever their BullMQ state) stay within it afterwards.
   * Atomic, so concurrent submissions from one student on several API instances cannot overshoot.
   */
  async createQueued(owner: string, inputs: Omit<NewExperiment, 'owner'>[], maxQueued?: number): Promise<CreateQueuedResult> {
    const now = new Date();
    const records: ExperimentRecord[] = inputs.map((input) => ({
      id: randomUUID(),
      owner,
      spec: input.spec,
      status: 'queued',
      createdAt: now.toISOString(),
      lastSeq: 0,
      ...(input.suite ? { suite: input.suite } : {}),
    }));
    const [created, queued] = await this.redis.trainyardCreateQueued(
      this.keys.queuedByOwner(owner),
      this.keys.all,
      this.keys.byOwner(owner),
      maxQueued ?? -1,
      now.getTime(),
      this.keys.recordPrefix,
      ...records.flatMap((r) => [r.id, JSON.stringify(Object.entries(toHash(r)).flat())]),
    );
    return created === 1 ? { created: true, records } : { created: false, queued };
  }

  /** The owner's experiments in status `queued`. */
  queuedCount(owner: string): Promise<number> {
    return this.redis.scard(this.keys.queuedByOwner(owner));
  }

  /** Ids of the owner's experiments in status `queued`. */
  queuedIds(owner: string): Promise<string[]> {
    return this.redis.smembers(this.keys.queuedByOwner(owner));
  }

  async get(id: string): Promise<ExperimentRecord | null> {
    const hash = await this.redis.hgetall(this.keys.record(id));
    return fromHash(hash);
  }

  /**
   * Sets the record's `adminNote`: what a TA should do about it (e.g. install a data set), which
   * the API shows to admins only. Kept apart from the events, which students receive whole.
   */
  async setAdminNote(id: string, note: string): Promise<void> {
    const key = this.keys.record(id);
    // Only on an existing record: HSET alone would create a stray hash for an unknown id.
    if (await this.redis.exists(key)) await this.redis.hset(key, 'adminNote', note);
  }

  /**
   * Marks a run failed with `error` (what its owner reads): every writer of `failed` goes through
   * here. Returns the stored event, or null when the record was already finished (the first
   * terminal event wins, so a second writer's failure is refused harmlessly). A TA's part, if
   * any, is set first with setAdminNote. One writer per situation:
   * - the worker's handler, for a job it ran: it alone knows the error's class, its TA detail and
   *   the attempts left (TrainExperimentHandler.afterFailure / afterBackendCrash);
   * - the worker's FailedJobsListener, for a job BullMQ failed where no handler ran (stalled more
   *   than maxStalledCount times), whose record would otherwise say `running` for ever;
   * - the API, when enqueueing failed: no job exists, so no worker will ever write it.
   */
  recordFailure(id: string, error: string): Promise<ExperimentEvent | null> {
    return this.appendEvent(id, { type: 'failed', error });
  }

  /** Newest first. */
  async list(filter: ListFilter = {}): Promise<ExperimentRecord[]> {
    const index = filter.owner ? this.keys.byOwner(filter.owner) : this.keys.all;
    const ids = await this.redis.zrevrange(index, 0, (filter.limit ?? 1000) - 1);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    ids.forEach((id) => pipeline.hgetall(this.keys.record(id)));
    const rows = (await pipeline.exec()) ?? [];
    return rows.map(([, hash]) => fromHash(hash as Record<string, string>)).filter((r): r is ExperimentRecord => r !== null);
  }

  /**
   * Appends one event: seq = lastSeq + 1, and the record's status, timestamps, result, error,
   * worker and backend follow from it, all in one atomic step. Returns null, and stores nothing,
   * - when the record is already finished (so a late `progress` can never follow `completed`);
   * - for a `progress` or `epoch` event whose point of training is already in the history: a
   *   run resumed from a checkpoint older than its last event trains that stretch again, and
   *   training is deterministic, so the history keeps the first copy and each batch and epoch
   *   appears once in the history and the curves (see `trainingPosition`).
   * Throws ExperimentNotFoundError when the record does not exist, and FencedOutError when a
   * `fence` is given and its lock key no longer holds its token.
   */
  async appendEvent(id: string, body: ExperimentEventBody, fence?: AppendFence): Promise<ExperimentEvent | null> {
    const at = new Date();
    const { id: _id, seq: _seq, at: _at, type, ...fields } = body as ExperimentEventBody & Partial<ExperimentEvent>;
    const clean = { type, ...fields } as ExperimentEventBody;
    const rest = JSON.stringify({ type, at: at.toISOString(), ...fields });
    // The seq is only known inside the script: it joins the two halves of the JSON.
    const head = `{"id":${JSON.stringify(id)},"seq":`;
    const tail = `,${rest.slice(1)}`;
    const patch = recordPatch(clean, at.toISOString());
    const seq = await this.redis.trainyardAppendEvent(
      this.keys.record(id),
      this.keys.events(id),
      this.keys.finished,
      fence?.lockKey ?? '',
      id,
      head,
      tail,
      at.getTime(),
      // The script derives the status from it (contracts' applyEvent, as a table).
      type,
      this.keys.ownerPrefix,
      trainingPosition(clean),
      fence?.token ?? '',
      ...patch,
    );
    if (seq === -1) throw new ExperimentNotFoundError(id);
    if (seq === -3) throw new FencedOutError(id);
    if (seq === 0 || seq === -2) return null;
    const event = { id, seq, type, at: at.toISOString(), ...fields } as ExperimentEvent;
    this.opts.publisher?.publish(event);
    return event;
  }

  /** The history in seq order; with `afterSeq`, only the events after it. */
  async events(id: string, afterSeq = 0): Promise<ExperimentEvent[]> {
    const rows = await this.redis.lrange(this.keys.events(id), afterSeq, -1);
    return rows.map((row) => JSON.parse(row) as ExperimentEvent);
  }

  /**
   * Saves how long attempt `attempt` (any id unique to it) has trained run `id` so far, in ms
   * (it only grows, so the last write wins). Its worker saves it while it trains, so the time
   * survives a worker killed without a word; attemptsTime adds every attempt's up.
   */
  async saveAttemptTime(id: string, attempt: string, ms: number): Promise<void> {
    await this.redis.hset(this.keys.attemptTimes(id), attempt, String(Math.round(ms)));
  }

  /** Every attempt's saved training time for run `id`, added up, in ms (0 when none saved). */
  async attemptsTime(id: string): Promise<number> {
    const values = await this.redis.hvals(this.keys.attemptTimes(id));
    return values.reduce((sum, v) => sum + (Number(v) || 0), 0);
  }

  /**
   * Asks for cancellation; null when the record does not exist, unchanged when finished.
   * - Sets `cancelRequested`, which a worker checks when it starts the job.
   * - Publishes the id on the cancel channel, so the worker running it (any process) aborts it
   *   between batches and records `cancelled` itself.
   * - A record still `queued` is marked `cancelled` here at once; a worker that later picks its
   *   job sees a finished record and skips it. The API should still remove the queued BullMQ job.
   */
  async requestCancel(id: string, reason = 'cancelled by request'): Promise<ExperimentRecord | null> {
    const before = await this.redis.trainyardRequestCancel(this.keys.record(id));
    if (before === null) return null;
    if (before === 'queued') await this.appendEvent(id, { type: 'cancelled', reason });
    if (before === 'queued' || before === 'running') await this.redis.publish(this.cancelChannel, id);
    return this.get(id);
  }

  /**
   * Sets a run's tags and/or note (validated by the caller with ExperimentAnnotationSchema); a
   * field left out is unchanged. Whatever its status: a finished run is the one worth a note.
   * Returns the updated record, or null when it does not exist.
   */
  async annotate(id: string, annotation: { tags?: string[]; note?: string }): Promise<ExperimentRecord | null> {
    const fields: string[] = [];
    if (annotation.tags !== undefined) fields.push('tags', JSON.stringify(annotation.tags));
    if (annotation.note !== undefined) fields.push('note', annotation.note);
    if (fields.length === 0) return this.get(id);
    const found = await this.redis.trainyardAnnotate(this.keys.record(id), ...fields);
    return found === 1 ? this.get(id) : null;
  }

  /** Deletes one experiment and its history, whatever its status. */
  async remove(id: string): Promise<boolean> {
    const owner = await this.redis.hget(this.keys.record(id), 'owner');
    if (owner === null) return false;
    await this.deleteAll([{ id, owner }]);
    return true;
  }

  /**
   * Applies the retention rule: deletes every experiment that finished more than
   * `retentionDays` before `now`. Returns how many were deleted.
   */
  async trimExpired(now: number = Date.now()): Promise<number> {
    const cutoff = now - this.retentionDays * DAY_MS;
    let deleted = 0;
    for (;;) {
      const ids = await this.redis.zrangebyscore(this.keys.finished, '-inf', cutoff, 'LIMIT', 0, 200);
      if (ids.length === 0) return deleted;
      const owners = await Promise.all(ids.map((id) => this.redis.hget(this.keys.record(id), 'owner')));
      await this.deleteAll(ids.map((id, i) => ({ id, owner: owners[i] })));
      deleted += ids.length;
    }
  }

  private async deleteAll(items: { id: string; owner: string | null }[]): Promise<void> {
    const multi = this.redis.multi();
    for (const { id, owner } of items) {
      multi.del(this.keys.record(id), this.keys.events(id), this.keys.attemptTimes(id)).zrem(this.keys.all, id).zrem(this.keys.finished, id);
      if (owner !== null) multi.zrem(this.keys.byOwner(owner), id).srem(this.keys.queuedByOwner(owner), id);
    }
    await multi.exec().then(throwOnMultiError);
  }
}

/**
 * A fencing token (Kleppmann, "How to do distributed locking", 2016): the append happens only
 * while `lockKey` holds `token`, checked in the same atomic step. A worker passes its BullMQ job
 * lock, so that a copy of a run whose lock expired (a Redis outage, a long pause) can store
 * nothing once another worker may have taken the job.
 */
export interface AppendFence {
  lockKey: string;
  token: string;
}

/** The appender's lock is gone (see AppendFence): it must stop, and store nothing more. */
export class FencedOutError extends Error {
  constructor(id: string) {
    super(`experiment ${id}: this worker no longer holds the job's lock; its events are refused`);
    this.name = new.target.name;
  }
}

export class ExperimentNotFoundError extends Error {
  constructor(readonly experimentId: string) {
    super(`experiment ${experimentId} does not exist`);
    this.name = new.target.name;
  }
}

/**
 * Where a `progress` or `epoch` event stands in a run, as one increasing number: epoch × 10⁶ +
 * batch (both from 1), and an epoch's summary after all of its batches. '' for other events.
 * An epoch holds far fewer than 10⁶ batches (60,000 images at batch size 1 is the most the course allows).
 */
export function trainingPosition(body: ExperimentEventBody): string {
  if (body.type === 'progress') return String(body.epoch * 1e6 + body.batch);
  if (body.type === 'epoch') return String(body.epoch * 1e6 + (1e6 - 1));
  return '';
}

/** The record fields an event sets besides its status (which the append script derives: applyEvent), as HSET field/value pairs. */
function recordPatch(body: ExperimentEventBody, at: string): string[] {
  switch (body.type) {
    case 'started':
      return ['startedAt', at, 'backend', body.backend, ...(body.worker ? ['worker', body.worker] : [])];
    case 'completed':
      return ['finishedAt', at, 'result', JSON.stringify(body.result)];
    case 'failed':
      return ['finishedAt', at, 'error', body.error];
    case 'cancelled':
      return ['finishedAt', at];
    case 'queued':
    case 'progress':
    case 'epoch':
    case 'resumed':
      return [];
  }
}

function toHash(r: ExperimentRecord): Record<string, string> {
  const hash: Record<string, string> = {
    id: r.id,
    owner: r.owner,
    spec: JSON.stringify(r.spec),
    status: r.status,
    createdAt: r.createdAt,
    lastSeq: String(r.lastSeq),
  };
  if (r.suite) hash.suite = r.suite;
  return hash;
}

function fromHash(h: Record<string, string> | null | undefined): ExperimentRecord | null {
  if (!h || !h.id) return null;
  return {
    id: h.id,
    owner: h.owner,
    spec: JSON.parse(h.spec),
    status: h.status as ExperimentStatus,
    createdAt: h.createdAt,
    lastSeq: Number(h.lastSeq ?? 0),
    ...(h.startedAt ? { startedAt: h.startedAt } : {}),
    ...(h.finishedAt ? { finishedAt: h.finishedAt } : {}),
    ...(h.result ? { result: JSON.parse(h.result) } : {}),
    ...(h.error ? { error: h.error } : {}),
    ...(h.worker ? { worker: h.worker } : {}),
    ...(h.backend ? { backend: h.backend as ExperimentRecord['backend'] } : {}),
    ...(h.suite ? { suite: h.suite } : {}),
    ...(h.cancelRequested === '1' ? { cancelRequested: true } : {}),
    ...(h.tags && h.tags !== '[]' ? { tags: JSON.parse(h.tags) as string[] } : {}),
    ...(h.note ? { note: h.note } : {}),
    ...(h.adminNote ? { adminNote: h.adminNote } : {}),
  };
}

function throwOnMultiError(results: [Error | null, unknown][] | null): void {
  const failed = results?.find(([err]) => err);
  if (failed) throw failed[0];
}
