import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@trainyard/contracts';

export type BenchSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * One real websocket connection per call (`forceNew`: socket.io otherwise multiplexes every
 * `io()` to the same URL over one), and no silent reconnect: a dropped socket must show up as
 * lost events, not be papered over.
 */
export function connectSocket(url: string, token: string, timeoutMs = 15_000): Promise<BenchSocket> {
  const socket: BenchSocket = io(url, { auth: { token }, transports: ['websocket'], forceNew: true, reconnection: false });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`socket did not connect within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('connect_error', (err) => {
      clearTimeout(timer);
      socket.close();
      reject(new Error(`socket refused: ${err.message}`));
    });
  });
}

/**
 * `count` sockets, 20 handshakes at a time, round-robin over `urls` (several API instances).
 * Each connected socket is pushed to `into` as it comes, so the caller's `finally` can close
 * them all even when a later one fails (the first failure is thrown).
 */
export async function connectSockets(urls: readonly string[], token: string, count: number, into: BenchSocket[]): Promise<void> {
  for (let i = 0; i < count; i += 20) {
    const batch = await Promise.allSettled(Array.from({ length: Math.min(20, count - i) }, (_, j) => connectSocket(urls[(i + j) % urls.length], token)));
    for (const r of batch) if (r.status === 'fulfilled') into.push(r.value);
    const failed = batch.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/**
 * Resolves when `complete` does (every delivery in), or once `lastActivity()` (performance.now()
 * ms of the last delivery or append) is more than `idleMs` old: lost events end the wait.
 */
export function waitForDeliveries(complete: Promise<void>, lastActivity: () => number, idleMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (performance.now() - lastActivity() > idleMs) {
        clearInterval(timer);
        resolve();
      }
    }, 250);
    void complete.then(() => {
      clearInterval(timer);
      resolve();
    });
  });
}
