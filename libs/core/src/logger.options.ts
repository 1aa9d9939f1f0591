import type { Params } from 'nestjs-pino';
import pino, { type Logger, type LoggerOptions } from 'pino';
import type { AppConfig } from '@trainyard/config';

/** Which application a CoreModule serves: names its Redis connections, its BullMQ role and its log lines. */
export type CoreRole = 'api' | 'worker';

/** Credentials never reach the logs: tokens travel in these headers (and socket handshakes, which pino-http never sees). */
export const REDACTED_PATHS = ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'];

/** The root logger's options: level from LOG_LEVEL; a worker's lines name the app and the worker, as several workers often share one log. */
function pinoOptions(config: AppConfig, role: CoreRole): LoggerOptions {
  return {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(role === 'worker' ? { base: { app: 'worker', worker: config.workerName } } : {}),
  };
}

/** The process's root pino logger (one per application; see ROOT_LOGGER). */
export function createRootLogger(config: AppConfig, role: CoreRole): Logger {
  return pino(pinoOptions(config, role));
}

/**
 * nestjs-pino's options: Nest's messages and (in the API) one line per HTTP request, written
 * through `logger` when given (the root logger), else through a pino made from the same options.
 */
export function loggerOptions(config: AppConfig, role: CoreRole = 'api', logger?: Logger): Params {
  return {
    pinoHttp: {
      ...pinoOptions(config, role),
      ...(logger ? { logger } : {}),
      // Probes every few seconds would drown the request log.
      autoLogging: { ignore: (req) => req.url === '/health' },
    },
  };
}
