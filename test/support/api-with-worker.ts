import { startHarness, type Harness, type HarnessOptions } from '../../apps/api/testing/api-harness';
import { ensureWorkerBuilt, spawnWorker, type WorkerProcess, type WorkerProcessOptions } from './worker-process';

/** The API harness (its own Redis, the API in-process) and one real worker process on its queue. */
export interface ApiWithWorker {
  h: Harness;
  worker: WorkerProcess;
  /** Stops the worker, then the harness. */
  close(): Promise<void>;
}

export interface ApiWithWorkerOptions {
  /** The harness's options, e.g. env for the API. */
  harness?: HarnessOptions;
  /** The worker's, e.g. env: { TF_BACKEND: 'wasm' }. */
  worker?: Partial<Omit<WorkerProcessOptions, 'redisUrl' | 'prefix' | 'name'>>;
}

/**
 * Builds the worker if an edit made it stale, starts the harness and a worker named `name`, and
 * resolves once the worker is ready (it rejects, with everything stopped, if the worker exits first).
 * The worker shares the API's data and artifact directories, as the deployed pieces do.
 */
export async function startApiWithWorker(name: string, opts: ApiWithWorkerOptions = {}): Promise<ApiWithWorker> {
  ensureWorkerBuilt();
  const h = await startHarness(opts.harness);
  const worker = spawnWorker({
    redisUrl: h.redis.url,
    prefix: h.config.queuePrefix,
    home: h.home,
    name,
    ...opts.worker,
    env: { DATA_DIR: h.config.dataDir, ARTIFACTS_DIR: h.config.artifactsDir, ...opts.worker?.env },
  });
  const close = async () => {
    await worker.stop();
    await h.close();
  };
  await worker.ready.catch(async (err: unknown) => {
    await close();
    throw err;
  });
  return { h, worker, close };
}
