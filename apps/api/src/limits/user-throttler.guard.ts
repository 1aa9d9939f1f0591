import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { AuthedRequest } from '../auth/auth.decorators';
import { isAdmin } from '../auth/principal';
import { LimitExceededException } from './limit-exceeded.exception';

/**
 * @nestjs/throttler keyed by the signed-in user rather than the address (a class shares one
 * NAT), with the counters in Redis so that every API instance counts together. Registered after
 * AuthGuard, so `req.user` is set; public routes (no user) and admins are not limited.
 */
@Injectable()
export class UserThrottlerGuard extends ThrottlerGuard {
  protected async shouldSkip(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const user = ctx.switchToHttp().getRequest<AuthedRequest>().user;
    return !user || isAdmin(user);
  }

  protected async getTracker(req: Record<string, any>): Promise<string> {
    return `user:${(req as AuthedRequest).user!.name}`;
  }

  protected async throwThrottlingException(_ctx: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const seconds = Math.max(1, detail.timeToBlockExpire);
    throw new LimitExceededException(
      'rate',
      `Rate limit: at most ${detail.limit} requests per ${Math.round(detail.ttl / 1000)} s per student; try again in ${seconds} s`,
      seconds,
    );
  }
}
