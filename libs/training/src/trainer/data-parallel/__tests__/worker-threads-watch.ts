import type { Worker } from 'node:worker_threads';

/**
 * Records every worker thread started while it watches, by wrapping node:worker_threads' Worker
 * (the trainer reads it from the module at each `new`). `running()` counts those whose thread is
 * still alive: Node sets threadId to -1 once a thread has stopped.
 */
export function watchWorkerThreads() {
  const threads = require('node:worker_threads') as typeof import('node:worker_threads');
  const Original = threads.Worker;
  const started: Worker[] = [];
  threads.Worker = class extends Original {
    constructor(...args: ConstructorParameters<typeof Original>) {
      super(...args);
      started.push(this);
    }
  };
  return {
    workers: () => [...started],
    started: () => started.length,
    running: () => started.filter((w) => w.threadId !== -1).length,
    restore: () => {
      threads.Worker = Original;
    },
  };
}
