import { ForbiddenException, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ADMIN_ROUTE, PUBLIC_ROUTE, type AuthedRequest } from './auth.decorators';
import { AuthService } from './auth.service';
import { isAdmin } from './principal';

/** Global HTTP guard: every controller route needs a roster token unless marked @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true; // the socket gateway authenticates its own handshake
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const header = req.headers.authorization;
    const user = await this.auth.authenticateHeader(Array.isArray(header) ? header[0] : header);
    if (!user) {
      ctx.switchToHttp().getResponse<{ setHeader(k: string, v: string): void }>().setHeader('WWW-Authenticate', 'Bearer realm="trainyard"');
      throw new UnauthorizedException('A valid token is required: send "Authorization: Bearer <token>"');
    }
    if (this.reflector.getAllAndOverride<boolean>(ADMIN_ROUTE, targets) && !isAdmin(user)) {
      throw new ForbiddenException('Admins only');
    }
    req.user = user;
    return true;
  }
}
