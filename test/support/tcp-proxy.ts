import * as net from 'node:net';
import { freePort } from '@trainyard/redis';

/**
 * A TCP relay in front of several backends, as the load balancer in front of several API instances
 * is (deploy/): each client connection goes to the first backend, in the given order, that accepts
 * it; a backend that refuses (stopped) is passed over. With socket.io's websocket-only transport
 * one client connection is one socket.io session, so no stickiness is needed.
 */
export interface TcpProxy {
  /** `http://127.0.0.1:<port>` of the proxy. */
  url: string;
  /** The backend port each accepted client connection was relayed to, in order of acceptance. */
  routed: number[];
  close(): Promise<void>;
}

export async function startTcpProxy(backendPorts: number[], host = '127.0.0.1'): Promise<TcpProxy> {
  const routed: number[] = [];
  const open = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    open.add(s);
    s.once('close', () => open.delete(s));
  };
  const server = net.createServer((client) => {
    track(client);
    client.on('error', () => client.destroy());
    client.pause();
    const tryBackend = (i: number) => {
      if (i >= backendPorts.length || client.destroyed) return client.destroy();
      const backend = net.connect(backendPorts[i], host);
      let connected = false;
      // Refused before connecting (a stopped backend): the next one. After connecting: the session ends.
      backend.on('error', () => (connected ? client.destroy() : tryBackend(i + 1)));
      backend.once('connect', () => {
        connected = true;
        track(backend);
        routed.push(backendPorts[i]);
        // pipe() ends each side when the other ends; an abrupt close of either ends both.
        client.once('close', () => backend.destroy());
        backend.once('close', () => client.end());
        client.pipe(backend).pipe(client);
        client.resume();
      });
    };
    tryBackend(0);
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  return {
    url: `http://${host}:${port}`,
    routed,
    close: () =>
      new Promise<void>((resolve) => {
        open.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}
