import { Logger, type INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Server, ServerOptions } from 'socket.io';
import { createRedisClient } from '@trainyard/redis';

const logger = new Logger('SocketIoAdapter');
const log = (message: string) => logger.warn(message);

/**
 * IoAdapter with @socket.io/redis-adapter: room broadcasts from any process (the workers' and the
 * store's redis-emitter, other API instances) reach the sockets connected here. `key` must be the
 * emitter's: `socketIoRedisKey(prefix)`, beside the socket contract in libs/contracts.
 */
export class WebSocketAdapter extends IoAdapter {
  private readonly clients: ReturnType<typeof createRedisClient>[] = [];

  constructor(
    app: INestApplicationContext,
    private readonly redisUrl: string,
    private readonly key: string,
  ) {
    super(app);
  }

  createIOServer(port: number, options?: ServerOptions): Server {
    const server: Server = super.createIOServer(port, { ...options, serveClient: false });
    const pub = createRedisClient(this.redisUrl, { name: 'trainyard-api-io-pub', log });
    const sub = createRedisClient(this.redisUrl, { name: 'trainyard-api-io-sub', role: 'subscriber', log });
    this.clients.push(pub, sub);
    server.adapter(createAdapter(pub, sub, { key: this.key }));
    return server;
  }

  async dispose() {
    await super.dispose();
    await Promise.all(this.clients.map((c) => c.quit().catch(() => c.disconnect())));
  }
}
