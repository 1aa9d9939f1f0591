import type Redis from 'ioredis';
import { THROUGHPUT_SMOOTHING, type ModelType, type ThroughputMeasurement } from '@trainyard/contracts';
import { SMOOTHED_AVERAGE_LUA } from './fair-share.scripts';

type ThroughputRedis = Redis & { trainyardRecordThroughput(key: string, field: string, flopsPerSec: number, weight: number, name: 'flopsPerSec', at: string): Promise<number> };

/**
 * The training throughput the workers measure, per model type and backend, in one Redis hash
 * (`<prefix>:throughput`, field `<backend>/<model>`, value JSON `{flopsPerSec, runs, updatedAt}`).
 * Workers record a completed run's effective FLOP/s; the API estimates a new run's time from
 * them (contracts' estimateRun). Kept for good, like the run durations: a class's fleet changes
 * slowly, and a stale value is smoothed away by the next runs.
 */
export class ThroughputStore {
  private readonly redis: ThroughputRedis;
  readonly key: string;

  constructor(redis: Redis, opts: { prefix: string }) {
    this.key = `${opts.prefix}:throughput`;
    if (!('trainyardRecordThroughput' in redis)) redis.defineCommand('trainyardRecordThroughput', { numberOfKeys: 1, lua: SMOOTHED_AVERAGE_LUA });
    this.redis = redis as ThroughputRedis;
  }

  /**
   * Folds in one completed run: `flops` (contracts' runWork of the images it loaded) done in
   * `seconds` of wall time on a worker of `backend`. Returns the number of runs measured so far
   * for that pair; a run with no work or no time is ignored (0).
   */
  async record(model: ModelType, backend: string, flops: number, seconds: number, at = new Date()): Promise<number> {
    if (!(flops > 0) || !(seconds > 0)) return 0;
    // Atomic, as several workers may finish runs of one model at once (SMOOTHED_AVERAGE_LUA).
    return this.redis.trainyardRecordThroughput(this.key, `${backend}/${model}`, flops / seconds, THROUGHPUT_SMOOTHING, 'flopsPerSec', at.toISOString());
  }

  /** Every measurement, for every model and backend. */
  async all(): Promise<ThroughputMeasurement[]> {
    const entries = await this.redis.hgetall(this.key);
    return Object.entries(entries).map(([field, json]) => {
      const slash = field.lastIndexOf('/');
      const { flopsPerSec, runs, updatedAt } = JSON.parse(json) as Omit<ThroughputMeasurement, 'model' | 'backend'>;
      return { backend: field.slice(0, slash), model: field.slice(slash + 1) as ModelType, flopsPerSec, runs, updatedAt };
    });
  }
}
