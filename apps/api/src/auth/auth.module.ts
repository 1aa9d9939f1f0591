import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type { AppConfig } from '@trainyard/config';
import { APP_CONFIG, RedisClients } from '@trainyard/core';
import { UserThrottlerGuard } from '../limits/user-throttler.guard';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';

const MINUTE_MS = 60_000;

// The roster and the two global guards, in this order: AuthGuard sets req.user, then the rate
// limit counts per user.
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG, RedisClients],
      useFactory: (config: AppConfig, clients: RedisClients) => ({
        throttlers: [{ ttl: MINUTE_MS, limit: config.limits.rateLimitPerMinute }],
        // In Redis, under the deployment's prefix: all API instances share one count per user.
        storage: new ThrottlerStorageRedisService(clients.commands),
        generateKey: (_ctx, tracker) => `${config.queuePrefix}:rate:${tracker}`,
      }),
    }),
  ],
  providers: [AuthService, { provide: APP_GUARD, useClass: AuthGuard }, { provide: APP_GUARD, useClass: UserThrottlerGuard }],
  exports: [AuthService],
})
export class AuthModule {}
