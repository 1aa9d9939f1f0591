import type { Params } from 'nestjs-pino';
import type { AppConfig } from '@trainyard/config';

/** Credentials never reach the logs: tokens travel in these headers (and socket handshakes, which pino-http never sees). */
export const REDACTED_PATHS = ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'];

export function loggerOptions(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // Probes every few seconds would drown the request log.
      autoLogging: { ignore: (req) => req.url === '/health' },
    },
  };
}
