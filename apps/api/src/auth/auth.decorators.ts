import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Principal } from '@trainyard/contracts';

export const PUBLIC_ROUTE = 'trainyard:public';
export const ADMIN_ROUTE = 'trainyard:admin';

/** No token needed (health checks). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
/** Admins only (metrics, queue admin); students get 403. */
export const AdminOnly = () => SetMetadata(ADMIN_ROUTE, true);

export interface AuthedRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: Principal;
}

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const user = ctx.switchToHttp().getRequest<AuthedRequest>().user;
  // The global guard runs first; reaching here without a user is a wiring bug, not a 401.
  if (!user) throw new Error('CurrentUser used on a public route');
  return user;
});
