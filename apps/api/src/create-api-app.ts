import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AppConfig } from '@trainyard/config';
import { RedisClients, REDIS_URL } from '@trainyard/core';
import { socketIoRedisKey } from '@trainyard/contracts';
import { ApiModule } from './api.module';
import { bodyParserErrors } from './middleware/body-parser-errors';
import { serveDashboard } from './middleware/dashboard.static';
import { LimitExceededFilter } from './limits/limit-exceeded.filter';
import { httpMetrics } from './middleware/http-metrics.middleware';
import { rejectPrototypeKeys } from './middleware/prototype-keys.middleware';
import { securityHeaders } from './middleware/security-headers';
import { failFastWithoutRedis, RedisUnavailableFilter } from './middleware/redis-unavailable.filter';
import { SpecValidationFilter } from './middleware/spec-validation.filter';
import { WebSocketAdapter } from './middleware/websocket.adapter';
import { setupOpenApi } from './openapi';
import { MetricsService } from './services/metrics.service';

/** A spec is well under 2 kB; the limit only stops abuse. Larger bodies answer 413. */
export const BODY_LIMIT = '64kb';

/** A placeholder page, served at / until the dashboard (apps/dashboard) has been built. */
const PUBLIC_DIR = path.join(__dirname, '..', 'public');

/** The configured API application, not yet listening: main.ts and the e2e tests both start this. */
export async function createApiApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  // First, so that every response, errors and static files included, carries the headers.
  app.use(...securityHeaders());
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.use(bodyParserErrors(BODY_LIMIT));
  app.use(rejectPrototypeKeys());
  app.use(failFastWithoutRedis(app.get(RedisClients).commands));
  app.use(httpMetrics(app.get(MetricsService)));
  app.useGlobalFilters(new RedisUnavailableFilter(app.get(RedisClients).commands, app.get(HttpAdapterHost)), new SpecValidationFilter(), new LimitExceededFilter());
  app.useWebSocketAdapter(new WebSocketAdapter(app, app.get(REDIS_URL), socketIoRedisKey(config.queuePrefix)));
  if (!serveDashboard(app) && fs.existsSync(PUBLIC_DIR)) app.useStaticAssets(PUBLIC_DIR);
  setupOpenApi(app);
  return app;
}
