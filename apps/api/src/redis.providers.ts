import { Inject, Injectable, Logger, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type Redis from 'ioredis';
import type { AppConfig } from '@trainyard/config';
import { ExperimentEventPublisher, ExperimentStore, socketIoRedisKey } from '@trainyard/experiment-store';
import { createRedisClient, redactRedisUrl, resolveRedis } from '@trainyard/redis';
import { APP_CONFIG } from './app-config.token';

/** The Redis URL this API uses: REDIS_URL, or the project's private redis-server (started if needed). */
export const REDIS_URL = 'REDIS_URL';
export const InjectRedisUrl = () => Inject(REDIS_URL);

const logger = new Logger('Redis');

export const redisUrlProvider: Provider = {
  provide: REDIS_URL,
  inject: [APP_CONFIG],
  // Never stopped by the API: the private server is shared with the workers and the CLI.
  useFactory: async (config: AppConfig) => {
    const redis = await resolveRedis(config, { log: (line: string) => logger.log(line) });
    logger.log(`Using ${redis.source} Redis at ${redactRedisUrl(redis.url)}`);
    return redis.url;
  },
};

/** The API's own Redis clients (the store's commands; roster changes by pub/sub); closed on shutdown. */
@Injectable()
export class RedisClients implements OnApplicationShutdown {
  readonly commands: Redis;
  /** Subscribed to the roster's change channel: a subscribed connection can run nothing else. */
  readonly subscriber: Redis;

  constructor(@InjectRedisUrl() url: string) {
    this.commands = createRedisClient(url, { name: 'trainyard-api', log: (m) => logger.warn(m) });
    this.subscriber = createRedisClient(url, { name: 'trainyard-api-roster', role: 'subscriber', log: (m) => logger.warn(m) });
  }

  async onApplicationShutdown() {
    await Promise.all([this.commands, this.subscriber].map((c) => c.quit().catch(() => c.disconnect())));
  }
}

export const experimentStoreProvider: Provider = {
  provide: ExperimentStore,
  inject: [RedisClients, APP_CONFIG],
  useFactory: (clients: RedisClients, config: AppConfig) =>
    new ExperimentStore(clients.commands, {
      prefix: config.queuePrefix,
      // Events the API itself appends (queued, cancelled) reach sockets like the workers' do.
      publisher: new ExperimentEventPublisher(clients.commands, {
        key: socketIoRedisKey(config.queuePrefix),
        onError: (err) => logger.warn(`Live event publish failed (clients recover it from history): ${err.message}`),
      }),
    }),
};
