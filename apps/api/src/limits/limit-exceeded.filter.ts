import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { LimitExceededException } from './limit-exceeded.exception';

@Catch(LimitExceededException)
export class LimitExceededFilter implements ExceptionFilter<LimitExceededException> {
  catch(err: LimitExceededException, host: ArgumentsHost) {
    const res = host.switchToHttp().getResponse<{ setHeader(k: string, v: string): void; status(code: number): { json(body: unknown): void } }>();
    if (err.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(err.retryAfterSeconds));
    res.status(err.getStatus()).json(err.getResponse());
  }
}
