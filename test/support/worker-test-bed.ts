import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Queue, type Job } from 'bullmq';
import Redis from 'ioredis';
import { ExperimentStore } from '@trainyard/experiment-store';
import { QueueName, type TrainJobData } from '@trainyard/training-queue';
import { bullConnectionOptions } from '@trainyard/redis';
import { deleteKeys, startTestRedis, testPrefix, type TestRedis } from '@trainyard/testing';
import { ensureWorkerBuilt, spawnWorker, type WorkerProcess, type WorkerProcessOptions } from './worker-process';

/** What a worker e2e test works with; fresh prefix, home, queue and store for every test. */
export interface WorkerTestBed {
  readonly redisServer: TestRedis;
  readonly redis: Redis;
  readonly prefix: string;
  /** TRAINYARD_HOME of the test's workers (data in home/data, models in home/artifacts). */
  readonly home: string;
  readonly queue: Queue<TrainJobData>;
  readonly store: ExperimentStore;
  /** Workers started in this test; SIGKILLed after it. */
  readonly workers: WorkerProcess[];
  /** Starts a real worker process (built JS) and waits until it is ready. */
  startWorker(name: string, extra?: Partial<WorkerProcessOptions>): Promise<WorkerProcess>;
  /**
   * The BullMQ job once it has finished. The record's terminal event is stored a moment before
   * BullMQ finishes the job (the handler returns once its training process has exited), so wait
   * for the job too before asserting on its state.
   */
  finishedJob(id: string): Promise<Job<TrainJobData>>;
}

/**
 * One redis-server for the spec file and, per test, a prefix, a home, a queue and a store of its
 * own, as BullMQ's tests use one queue per test; workers a test started are killed after it.
 * `defaults` go to every startWorker (e.g. a fault-injecting trainer module).
 */
export function useWorkerTestBed(opts: { defaults?: Partial<WorkerProcessOptions>; waitMs: number }): WorkerTestBed {
  const bed = { workers: [] as WorkerProcess[] } as { -readonly [K in keyof WorkerTestBed]: WorkerTestBed[K] };
  bed.startWorker = async (name, extra = {}) => {
    const worker = spawnWorker({ redisUrl: bed.redisServer.url, prefix: bed.prefix, name, home: bed.home, ...opts.defaults, ...extra });
    bed.workers.push(worker);
    await worker.ready;
    return worker;
  };
  bed.finishedJob = async (id) => {
    const deadline = Date.now() + opts.waitMs;
    for (;;) {
      const job = await bed.queue.getJob(id);
      if (job?.finishedOn !== undefined) return job;
      if (Date.now() > deadline) throw new Error(`job ${id} did not finish in ${opts.waitMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  beforeAll(async () => {
    ensureWorkerBuilt();
    bed.redisServer = await startTestRedis();
    bed.redis = new Redis(bed.redisServer.url);
  });
  afterAll(async () => {
    await bed.redis?.quit();
    await bed.redisServer?.stop();
  });
  beforeEach(async () => {
    bed.prefix = testPrefix();
    bed.home = fs.mkdtempSync(path.join(os.tmpdir(), 'trainyard-worker-e2e-'));
    bed.queue = new Queue(QueueName.Training, { connection: bullConnectionOptions(bed.redisServer.url, 'producer'), prefix: bed.prefix });
    // Closing a queue whose connection is still being made emits an error nobody listens to.
    await bed.queue.waitUntilReady();
    bed.store = new ExperimentStore(bed.redis, { prefix: bed.prefix });
    bed.workers = [];
  });
  afterEach(async () => {
    await Promise.all(bed.workers.map((w) => w.stop('SIGKILL')));
    await bed.queue.close();
    await deleteKeys(bed.redis, bed.prefix);
    fs.rmSync(bed.home, { recursive: true, force: true });
  });
  return bed;
}
