import type { OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { createRedisClient } from '@trainyard/redis';

/** The names the two connections show in Redis's CLIENT LIST. */
export interface RedisClientNames {
  commands: string;
  subscriber: string;
}

/**
 * The application's own two Redis connections, closed when it shuts down. BullMQ opens its own,
 * as do socket.io's adapter and the API's queue-event listener.
 */
export class RedisClients implements OnApplicationShutdown {
  /** The experiment store's and the fair-share scheduler's commands, publishes, the roster, heartbeats. */
  readonly commands: Redis;
  /**
   * In subscriber mode, which allows nothing else: the roster's change channel in the API, the
   * cancel channel in a worker.
   */
  readonly subscriber: Redis;

  constructor(url: string, names: RedisClientNames, log: (message: string) => void) {
    this.commands = createRedisClient(url, { name: names.commands, log });
    this.subscriber = createRedisClient(url, { name: names.subscriber, role: 'subscriber', log });
  }

  /**
   * CoreModule is global, so Nest runs this after the applications' own modules' hooks: the
   * worker has closed (onModuleDestroy) and the API has drained by then; nothing uses these any more.
   */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.commands, this.subscriber].map((c) => c.quit().catch(() => c.disconnect())));
  }
}
