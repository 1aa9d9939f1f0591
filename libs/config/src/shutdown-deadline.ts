/**
 * Ends the process with exit code 1 if the clean shutdown a signal started (Nest's shutdown
 * hooks: BullMQ's close, the Redis clients' quit) has not ended it after `ms`. Those steps talk
 * to Redis, and a command sent while Redis is unreachable waits for it forever (ioredis queues
 * it until the connection comes back); a supervisor's SIGKILL would then be the only way out,
 * and it says nothing. The timer is unref'd: it never keeps a finished process alive.
 */
export function exitIfShutdownHangs(
  ms: number,
  log: (message: string) => void,
  opts: { signals?: NodeJS.Signals[]; on?: (signal: NodeJS.Signals, listener: () => void) => void; exit?: (code: number) => void } = {},
): void {
  const signals = opts.signals ?? ['SIGTERM', 'SIGINT'];
  const on = opts.on ?? ((signal, listener) => void process.once(signal, listener));
  const exit = opts.exit ?? ((code) => process.exit(code));
  let armed = false;
  for (const signal of signals) {
    on(signal, () => {
      if (armed) return;
      armed = true;
      setTimeout(() => {
        log(`${signal}: shutdown did not finish within ${Math.round(ms / 1000)} s (is Redis unreachable?); exiting without it`);
        exit(1);
      }, ms).unref();
    });
  }
}
