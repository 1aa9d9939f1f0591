import type { Browser } from 'playwright-core';
import type { Harness } from '../../../apps/api/testing/api-harness';
import { startApiWithWorker, type ApiWithWorkerOptions } from '../../support/api-with-worker';
import type { WorkerProcess } from '../../support/worker-process';
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
 * gpu-0 training with TF.js (by default the pure-JS cpu backend, as in every e2e test; `worker`
 * may set another) and headless Chromium.
 */
export async function startBrowserStack(opts: { worker?: ApiWithWorkerOptions['worker'] } = {}): Promise<BrowserStack> {
  ensureDashboardBuilt();
  const stack = await startApiWithWorker('gpu-0', { worker: opts.worker });
  const browser = await launchChromium().catch(async (err: unknown) => {
    await stack.close();
    throw err;
  });
  return {
    h: stack.h,
    worker: stack.worker,
    browser,
    close: async () => {
      await browser.close();
      await stack.close();
    },
  };
}
