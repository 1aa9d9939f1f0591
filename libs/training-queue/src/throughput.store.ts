import type Redis from 'ioredis';
import { THROUGHPUT_SMOOTHING, type ModelType, type ThroughputMeasurement } from '@trainyard/contracts';
import { SMOOTHED_AVERAGE_LUA } from './fair-share.scripts';

type ThroughputRedis = Redis & { trainyardRecordThroughput(key: string, field: string, flopsPerSec: number, weight: number, name: 'flopsPerSec', at: string): Promise<number> };

/**
 * The training throughput the workers measure, per model type, backend and batch size, in one
 * Redis hash (`<prefix>:throughput`, field `<backend>/<model>/<batchSize>`, value JSON
 * `{flopsPerSec, runs, updatedAt}`). Workers record a completed run's training FLOP/s; the API
 * estimates a new run's time from them (contracts' estimateRun). Kept for good, like the run
 * durations: a class's fleet changes slowly, and a stale value is smoothed away by the next runs.
 * Fields of the first format, `<backend>/<model>`, are ignored: they mixed batch sizes and timed
 * whole runs (start-up and data loading included), so they are not the same quantity; the next
 * run of each model measures it again.
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
   * Folds in one completed run of `model` at training batch `batchSize` (contracts' RunWork
   * batchSize) on a worker of `backend`: its training FLOP/s (see ThroughputMeasurement). Returns
   * the number of runs measured so far for that model, backend and batch; a run with no rate or
   * no batch is ignored (0).
   */
  async record(model: ModelType, backend: string, batchSize: number, flopsPerSec: number, at = new Date()): Promise<number> {
    if (!(flopsPerSec > 0) || !Number.isFinite(flopsPerSec) || !(Number.isInteger(batchSize) && batchSize > 0)) return 0;
    // Atomic, as several workers may finish runs of one model at once (SMOOTHED_AVERAGE_LUA).
    return this.redis.trainyardRecordThroughput(this.key, `${backend}/${model}/${batchSize}`, flopsPerSec, THROUGHPUT_SMOOTHING, 'flopsPerSec', at.toISOString());
  }

  /** Every measurement, for every model, backend and batch size (fields of the first format left out). */
  async all(): Promise<ThroughputMeasurement[]> {
    const entries = await this.redis.hgetall(this.key);
    return Object.entries(entries).flatMap(([field, json]) => {
      // Split from the end: the batch, then the model; the backend is the rest.
      const batchAt = field.lastIndexOf('/');
      const modelAt = field.lastIndexOf('/', batchAt - 1);
      const batchSize = Number(field.slice(batchAt + 1));
      if (modelAt < 0 || !(Number.isInteger(batchSize) && batchSize > 0)) return [];
      const { flopsPerSec, runs, updatedAt } = JSON.parse(json) as Pick<ThroughputMeasurement, 'flopsPerSec' | 'runs' | 'updatedAt'>;
      return [{ backend: field.slice(0, modelAt), model: field.slice(modelAt + 1, batchAt) as ModelType, batchSize, flopsPerSec, runs, updatedAt }];
    });
  }
}
