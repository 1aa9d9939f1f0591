import pino from 'pino';
import { Writable } from 'node:stream';
import type { AppConfig } from '@trainyard/config';
import { loggerOptions } from './logger.options';

describe('loggerOptions', () => {
  it('redacts the Authorization and Cookie headers of logged requests', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(chunk.toString()), done()) });
    const opts = loggerOptions({ logLevel: 'info' } as AppConfig).pinoHttp as pino.LoggerOptions;
    const log = pino({ level: opts.level, redact: opts.redact }, sink);
    log.info({ req: { method: 'GET', url: '/api/experiments', headers: { authorization: 'Bearer s3cret-token', cookie: 'sid=s3cret-cookie', host: 'x' } } }, 'request completed');
    const out = lines.join('');
    expect(out).toContain('"authorization":"[redacted]"');
    expect(out).not.toContain('s3cret-token');
    expect(out).not.toContain('s3cret-cookie');
    expect(out).toContain('"host":"x"');
  });
});
