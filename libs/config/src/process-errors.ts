/**
 * The one policy of every long-running Trainyard process (API, worker, demo) for promise
 * rejections that nobody handled. Node's default since v15 is to crash; for a server whose
 * Redis may be away for a minute that turned one missed background call (a timer's roster
 * re-sync) into a dead API and every socket dropped. A rejection leaves no half-done synchronous
 * state behind, so the process logs it as the bug it is and keeps serving. Uncaught exceptions
 * keep Node's default (exit): after a throw, state may be half-changed, and a supervisor restarts
 * the process.
 *
 * Every background task should go through `runDetached` instead, which handles its own errors;
 * this handler is the net under a task that did not.
 */
export function handleUnhandledRejections(log: (reason: unknown) => void): void {
  process.on('unhandledRejection', (reason) => log(reason));
}

/**
 * Starts `task` without waiting for it (a timer, an event handler), and sends a rejection or a
 * synchronous throw to `onError`: the only way the project starts a promise nobody awaits.
 */
export function runDetached(task: () => unknown, onError: (err: unknown) => void): void {
  Promise.resolve()
    .then(task)
    .catch((err: unknown) => {
      try {
        onError(err);
      } catch {
        // A logger that throws must not become the unhandled rejection this exists to prevent.
      }
    });
}
