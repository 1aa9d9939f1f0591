import { Catch, HttpException, HttpStatus, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter, type HttpAdapterHost } from '@nestjs/core';
import type Redis from 'ioredis';

/** Seconds a client should wait before retrying while Redis is away: about one reconnect attempt (2 s cap) and a margin. */
export const REDIS_RETRY_AFTER_S = 5;

/**
 * While Redis is away, a route that needs it fails with whatever ioredis or BullMQ threw
 * ("Connection is closed", MaxRetriesPerRequestError, "Stream isn't writeable"); none of that is
 * the client's fault or a bug, so it becomes 503 + Retry-After instead of Nest's 500. Whether
 * Redis is away is read from the API's own command connection (its status is `ready` only while
 * connected) rather than guessed from error messages. Every other error, and every HttpException,
 * goes on to Nest's default handling; a 503 from a service gets the same Retry-After.
 *
 * Registered first among the global filters, so that the filters for specific errors (bad spec,
 * limits), which Nest tries in reverse order of registration, see their errors before this one.
 */
@Catch()
export class RedisUnavailableFilter extends BaseExceptionFilter {
  constructor(
    private readonly redis: Pick<Redis, 'status'>,
    adapterHost: HttpAdapterHost,
  ) {
    super(adapterHost.httpAdapter);
  }

  catch(err: unknown, host: ArgumentsHost) {
    if (host.getType() !== 'http') return super.catch(err, host);
    const res = host.switchToHttp().getResponse<{ setHeader(k: string, v: string): void; headersSent?: boolean; status(code: number): { json(body: unknown): void } }>();
    const unavailable = err instanceof HttpException ? err.getStatus() === HttpStatus.SERVICE_UNAVAILABLE : this.redis.status !== 'ready';
    if (!unavailable || res.headersSent) return super.catch(err, host);
    res.setHeader('Retry-After', String(REDIS_RETRY_AFTER_S));
    if (err instanceof HttpException) return res.status(err.getStatus()).json(err.getResponse());
    res.status(HttpStatus.SERVICE_UNAVAILABLE).json(REDIS_UNAVAILABLE_BODY);
  }
}

/** What a route answers while Redis is away (with `Retry-After: REDIS_RETRY_AFTER_S`). */
export const REDIS_UNAVAILABLE_BODY = {
  statusCode: HttpStatus.SERVICE_UNAVAILABLE,
  error: 'Service Unavailable',
  message: `The class queue's database (Redis) is not reachable. Try again in ${REDIS_RETRY_AFTER_S} s.`,
} as const;

/**
 * Answers `/api/...` requests with 503 at once while the API's Redis connection is down, rather
 * than let each one wait out ioredis' retries (5 per command, about 10 s) before failing the same
 * way. `/api/docs` needs no Redis and stays up. The filter above still catches an outage that
 * begins mid-request.
 */
export function failFastWithoutRedis(redis: Pick<Redis, 'status'>) {
  return (req: { path: string }, res: ExpressLikeResponse, next: () => void) => {
    if (redis.status === 'ready' || !req.path.startsWith('/api/') || req.path.startsWith('/api/docs')) return next();
    res.setHeader('Retry-After', String(REDIS_RETRY_AFTER_S));
    res.status(HttpStatus.SERVICE_UNAVAILABLE).json(REDIS_UNAVAILABLE_BODY);
  };
}

interface ExpressLikeResponse {
  setHeader(k: string, v: string): void;
  status(code: number): { json(body: unknown): void };
}
