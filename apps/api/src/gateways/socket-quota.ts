/**
 * Open sockets per key (a token's digest) on this API instance, with a cap. `tryAcquire` checks
 * and counts in one synchronous step, so concurrent handshakes cannot all pass a check made
 * before any of them is counted. Kept in memory rather than in Redis: a Redis count would need
 * repair when an instance dies holding sockets, and the cap only has to stop one client opening
 * hundreds; behind N instances a token may hold up to N × cap.
 */
export class SocketQuota {
  private readonly open = new Map<string, number>();

  /** @param cap sockets per key, ≥ 1 (config `MAX_SOCKETS_PER_TOKEN`). */
  constructor(readonly cap: number) {}

  /**
   * Counts one more socket for `key`, or returns undefined when `key` already holds `cap`.
   * The returned release is idempotent: call it from every path that ends the socket.
   */
  tryAcquire(key: string): (() => void) | undefined {
    const count = this.open.get(key) ?? 0;
    if (count >= this.cap) return undefined;
    this.open.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left > 0) this.open.set(key, left);
      else this.open.delete(key);
    };
  }

  /** Sockets counted for `key` now. */
  count(key: string): number {
    return this.open.get(key) ?? 0;
  }
}
