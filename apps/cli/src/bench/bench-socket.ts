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
