import type Redis from 'ioredis';
import { ACQUIRE_SLOT_LUA, ADVANCE_CLOCK_LUA, ASSIGN_TAGS_LUA, POSITION_LUA, SMOOTHED_AVERAGE_LUA } from './fair-share.scripts';

/** BullMQ's lowest priority (2^21): its prioritized score is priority × 2^32 + a counter, under 2^53. */
export const MAX_BULLMQ_PRIORITY = 2 ** 21;
/** What a TA's "raise" sets: ahead of every fair-ordered job (those get 1 + the clock, at least). */
export const RAISED_PRIORITY = 1;
const PRIORITY_SCORE = 2 ** 32;
const DURATION_WEIGHT = 0.3;

/** The names of the BullMQ keys the scheduler reads: `queue.keys` and `queue.toKey('')` of the training queue. */
export interface QueueKeyNames {
  keys: Record<string, string>;
  toKey(id: string): string;
}

type SchedulerRedis = Redis & {
  trainyardAssignTags(...args: (string | number)[]): Promise<number[]>;
  trainyardAdvanceClock(key: string, tag: number): Promise<number>;
  trainyardAcquireSlot(key: string, id: string, max: number, jobPrefix: string): Promise<number>;
  trainyardPosition(wait: string, prioritized: string, delayed: string, job: string, id: string): Promise<number>;
  trainyardRecordDuration(key: string, kind: string, rate: number, weight: number, name: 'rate', at: ''): Promise<number>;
};

/**
 * Fair share across students on one BullMQ queue, which has no per-group scheduling (that is
 * BullMQ Pro's Groups): start-time fair queuing expressed as BullMQ priorities.
 *
 * The rule: every student has a counter F (the tag of their last job) and the queue a virtual
 * clock V. A new job gets the priority max(V, F) + 1 and F becomes that; when a job starts, V
 * moves up to its priority - 1 (its start tag). BullMQ starts the lowest priority first, FIFO
 * within one, so each student's n-th waiting job sorts with everyone else's n-th: a student who
 * queues 20 jobs delays a classmate's first job by no more than the jobs already running.
 *
 * Everything lives under `<prefix>:fair:` and changes atomically in Lua. When nothing is waiting,
 * delayed or running, the clock and counters reset, so priorities stay small; a tag that would
 * pass BullMQ's maximum (2^21) is held at it, and those jobs then start in submission order.
 */
export class FairShareScheduler {
  private readonly redis: SchedulerRedis;
  private readonly clockKey: string;
  private readonly lastTagKey: string;
  private readonly durationsKey: string;

  constructor(
    redis: Redis,
    private readonly opts: { prefix: string; queue: QueueKeyNames },
  ) {
    this.clockKey = `${opts.prefix}:fair:clock`;
    this.lastTagKey = `${opts.prefix}:fair:last-tag`;
    this.durationsKey = `${opts.prefix}:fair:durations`;
    if (!('trainyardAssignTags' in redis)) {
      redis.defineCommand('trainyardAssignTags', { numberOfKeys: 6, lua: ASSIGN_TAGS_LUA });
      redis.defineCommand('trainyardAdvanceClock', { numberOfKeys: 1, lua: ADVANCE_CLOCK_LUA });
      redis.defineCommand('trainyardAcquireSlot', { numberOfKeys: 1, lua: ACQUIRE_SLOT_LUA });
      redis.defineCommand('trainyardPosition', { numberOfKeys: 4, lua: POSITION_LUA });
      redis.defineCommand('trainyardRecordDuration', { numberOfKeys: 1, lua: SMOOTHED_AVERAGE_LUA });
    }
    this.redis = redis as SchedulerRedis;
  }

  private runningKey(owner: string) {
    return `${this.opts.prefix}:fair:running:${owner}`;
  }

  /** The BullMQ priorities of `count` new jobs of one student, in submission order. */
  async assignPriorities(owner: string, count: number): Promise<number[]> {
    const { wait, prioritized, active, delayed } = this.opts.queue.keys;
    const tags = await this.redis.trainyardAssignTags(this.clockKey, this.lastTagKey, wait, prioritized, active, delayed, owner, count, MAX_BULLMQ_PRIORITY);
    return tags.map(Number);
  }

  /** A worker started a job with this priority: the virtual clock catches up with its start tag. */
  async jobStarted(priority: number | undefined): Promise<void> {
    if (!priority) return; // no priority: enqueued outside the fair scheduler
    await this.redis.trainyardAdvanceClock(this.clockKey, priority - 1);
  }

  async clock(): Promise<number> {
    return Number((await this.redis.get(this.clockKey)) ?? 0);
  }

  /** Takes a running slot for the job unless its owner already runs `max` jobs (see ACQUIRE_SLOT_LUA). */
  async acquireRunSlot(owner: string, jobId: string, max: number): Promise<boolean> {
    return (await this.redis.trainyardAcquireSlot(this.runningKey(owner), jobId, max, this.opts.queue.toKey(''))) === 1;
  }

  async releaseRunSlot(owner: string, jobId: string): Promise<void> {
    await this.redis.srem(this.runningKey(owner), jobId);
  }

  /** 1-based place of a waiting job in the start order; undefined when it is not waiting. */
  async position(jobId: string): Promise<number | undefined> {
    const { wait, prioritized, delayed } = this.opts.queue.keys;
    const position = await this.redis.trainyardPosition(wait, prioritized, delayed, this.opts.queue.toKey(jobId), jobId);
    return position > 0 ? position : undefined;
  }

  /** Jobs that start before a job enqueued now with this priority (same priority: FIFO, so those too). */
  async aheadOf(priorities: number[]): Promise<number[]> {
    const { wait, prioritized } = this.opts.queue.keys;
    const pipeline = this.redis.pipeline().llen(wait);
    for (const p of priorities) pipeline.zcount(prioritized, '-inf', `(${(p + 1) * PRIORITY_SCORE}`);
    const rows = (await pipeline.exec()) ?? [];
    const [err] = rows.find(([e]) => e) ?? [null];
    if (err) throw err;
    const waiting = Number(rows[0][1]);
    return rows.slice(1).map(([, count]) => waiting + Number(count));
  }

  /**
   * The ids of the first `limit` waiting jobs in start order (wait list, then prioritized), with
   * their priorities: what an estimate of start times walks through.
   */
  async waitingInOrder(limit: number): Promise<{ id: string; priority: number }[]> {
    const { wait, prioritized } = this.opts.queue.keys;
    const waiting = (await this.redis.lrange(wait, -limit, -1)).reverse().map((id) => ({ id, priority: 0 }));
    const rest = limit - waiting.length;
    if (rest <= 0) return waiting;
    const scored = await this.redis.zrange(prioritized, 0, rest - 1, 'WITHSCORES');
    const out = [...waiting];
    for (let i = 0; i < scored.length; i += 2) out.push({ id: scored[i], priority: Math.floor(Number(scored[i + 1]) / PRIORITY_SCORE) });
    return out;
  }

  /** Records how long a finished run took, per image-epoch, for its kind (model/dataset). */
  async recordDuration(kind: string, seconds: number, sampleEpochs: number): Promise<void> {
    if (!(seconds > 0) || !(sampleEpochs > 0)) return;
    await this.redis.trainyardRecordDuration(this.durationsKey, kind, seconds / sampleEpochs, DURATION_WEIGHT, 'rate', '');
  }

  /** Seconds per image-epoch by kind, from finished runs. */
  async durationRates(): Promise<Map<string, number>> {
    const all = await this.redis.hgetall(this.durationsKey);
    return new Map(Object.entries(all).map(([kind, json]) => [kind, (JSON.parse(json) as { rate: number }).rate]));
  }
}
