import type { Browser } from 'playwright-core';
import { startHarness, type Harness } from '../../../apps/api/testing/api-harness';
import { ensureWorkerBuilt, spawnWorker, type WorkerProcess } from '../../support/worker-process';
import { launchChromium } from './browser';
import { ensureDashboardBuilt } from './dashboard-build';

/** What a dashboard browser test runs against: the in-process API, one real worker process, and Chromium. */
export interface BrowserStack {
  h: Harness;
  worker: WorkerProcess;
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Builds what is stale (dashboard, worker), starts the API harness (its own Redis), a worker named
 * gpu-0 training with TF.js (the pure-JS cpu backend, as in every e2e test) and headless Chromium.
 */
export async function startBrowserStack(): Promise<BrowserStack> {
  ensureDashboardBuilt();
  ensureWorkerBuilt();
  const h = await startHarness();
  const worker = spawnWorker({ redisUrl: h.redis.url, prefix: h.config.queuePrefix, home: h.home, name: 'gpu-0' });
  const browser = await launchChromium().catch(async (err: unknown) => {
    await worker.stop();
    await h.close();
    throw err;
  });
  await worker.ready;
  return {
    h,
    worker,
    browser,
    close: async () => {
      await browser.close();
      await worker.stop();
      await h.close();
    },
  };
}
