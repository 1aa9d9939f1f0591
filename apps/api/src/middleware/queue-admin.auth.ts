import type { AuthService } from '../auth/auth.service';
import { isAdmin } from '../auth/principal';

interface Req {
  headers: { authorization?: string };
}
interface Res {
  statusCode: number;
  setHeader(name: string, value: string): void;
  end(body?: string): void;
}

/**
 * Guards bull-board (plain Express routes, outside Nest's guards). HTTP Basic so a TA can open it
 * in a browser: any user name, the admin token as password; the browser then resends it for the
 * board's own API calls. `Authorization: Bearer <token>` works too, for scripts.
 */
export function queueAdminAuth(auth: AuthService) {
  return (req: Req, res: Res, next: () => void) => {
    auth.authenticateHeader(req.headers.authorization).then(
      (user) => {
        if (user && isAdmin(user)) return next();
        res.statusCode = user ? 403 : 401;
        if (!user) res.setHeader('WWW-Authenticate', 'Basic realm="Trainyard queue admin (password: your admin token)", charset="UTF-8"');
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end(user ? 'Admins only' : 'Sign in with any user name and your admin token as the password');
      },
      () => {
        res.statusCode = 503;
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end('The roster is unavailable (Redis); try again');
      },
    );
  };
}
