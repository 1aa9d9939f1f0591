import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route =
  | Uint8Array
  | { status: number }
  /** Sends the first `bytes`, then stalls until the client goes away (for abort tests). */
  | { stallAfter: number; body: Uint8Array };

export interface LocalServer {
  baseUrl: string;
  requests: string[];
  close(): Promise<void>;
}

/** A file server on 127.0.0.1 with a random port: downloads are tested without the internet. */
export async function startLocalServer(routes: Record<string, Route>): Promise<LocalServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push(path);
    const route = routes[path];
    if (!route) {
      res.writeHead(404).end('not found');
    } else if (route instanceof Uint8Array) {
      res.writeHead(200, { 'content-length': route.length }).end(route);
    } else if ('status' in route) {
      res.writeHead(route.status).end();
    } else {
      res.writeHead(200, { 'content-length': route.body.length });
      res.write(route.body.subarray(0, route.stallAfter));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Runs `use` against a fresh local server, and closes the server afterwards, whatever `use` did. */
export async function withLocalServer<T>(routes: Record<string, Route>, use: (server: LocalServer) => Promise<T>): Promise<T> {
  const server = await startLocalServer(routes);
  try {
    return await use(server);
  } finally {
    await server.close();
  }
}
