import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from '@trainyard/config';
import { APP_CONFIG } from './app-config.token';
import { experimentStoreProvider, REDIS_URL, RedisClients, redisUrlProvider } from './redis.providers';

/** Config, Redis and the experiment store: global, so every module (and async module factory) can inject them. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CoreModule,
      providers: [{ provide: APP_CONFIG, useValue: config }, redisUrlProvider, RedisClients, experimentStoreProvider],
      exports: [APP_CONFIG, REDIS_URL, RedisClients, experimentStoreProvider],
    };
  }
}
