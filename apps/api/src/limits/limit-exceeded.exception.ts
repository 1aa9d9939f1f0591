import { HttpException, HttpStatus } from '@nestjs/common';

export type LimitName = 'rate' | 'queued';

export interface LimitExceededBody {
  statusCode: 429;
  error: 'Too Many Requests';
  /** Which limit: `rate` (requests a minute) or `queued` (experiments waiting to start). */
  limit: LimitName;
  /** Which limit, and when it frees up, in words. */
  message: string;
  /** Also sent as the Retry-After header, when known. */
  retryAfterSeconds?: number;
}

/** 429 for a per-student limit; LimitExceededFilter adds the Retry-After header. */
export class LimitExceededException extends HttpException {
  constructor(
    readonly limit: LimitName,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    const body: LimitExceededBody = {
      statusCode: HttpStatus.TOO_MANY_REQUESTS,
      error: 'Too Many Requests',
      limit,
      message,
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    };
    super(body, HttpStatus.TOO_MANY_REQUESTS);
  }
}
