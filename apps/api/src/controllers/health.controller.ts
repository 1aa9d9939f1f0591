import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Queue } from 'bullmq';
import type { HealthBody } from '@trainyard/contracts';
import { QueueName } from '@trainyard/training-queue';
import type { AppConfig } from '@trainyard/config';
import { InjectConfig, RedisClients } from '@trainyard/core';
import { Public } from '../auth/auth.decorators';
import { REDIS_RETRY_AFTER_S } from '../middleware/redis-unavailable.filter';
import { workerHeartbeats, workerNames } from '../services/live-workers';

const HEALTH_TIMEOUT_MS = 2000;

// ioredis queues commands while disconnected, so a dead Redis would hang the probe without a deadline.
const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref())]);

@ApiTags('ops')
@Controller('health')
export class HealthController {
  constructor(
    @InjectQueue(QueueName.Training) private readonly queue: Queue,
    private readonly redis: RedisClients,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  @Public()
  @Get()
  @ApiOperation({ summary: 'Redis reachable (else 503) and the workers BullMQ sees (none: "degraded")' })
  async health(@Res({ passthrough: true }) res: { status(code: number): void; setHeader(name: string, value: string): void }): Promise<HealthBody> {
    const started = Date.now();
    try {
      await withTimeout(this.redis.commands.ping(), HEALTH_TIMEOUT_MS);
      const latencyMs = Date.now() - started;
      const names = await withTimeout(workerNames(this.queue), HEALTH_TIMEOUT_MS);
      const backend = await withTimeout(workerHeartbeats(this.redis.commands, this.config.queuePrefix, names), HEALTH_TIMEOUT_MS);
      const computing = Object.values(backend).every((h) => h?.backendOk !== false);
      return { status: names.length > 0 && computing ? 'ok' : 'degraded', redis: { ok: true, latencyMs }, workers: { count: names.length, names, backend } };
    } catch (err) {
      res.status(HttpStatus.SERVICE_UNAVAILABLE);
      res.setHeader('Retry-After', String(REDIS_RETRY_AFTER_S));
      return { status: 'error', redis: { ok: false, error: (err as Error).message }, workers: { count: 0, names: [] } };
    }
  }
}
