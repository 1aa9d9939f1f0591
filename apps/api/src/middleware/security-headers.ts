import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

type Directives = Record<string, (string | ((req: IncomingMessage) => string))[] | null>;
type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** A Host header that is a host name or address with an optional port, and nothing else. */
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * socket.io's websocket to this same host. CSP 3 lets 'self' match ws:/wss: of the page's own
 * host, but older browsers do not, so the two are named. The Host header is checked, so a forged
 * one can never add a directive (`;`) to the policy; anything else adds nothing.
 */
const socketToSelf = (req: IncomingMessage) => {
  const host = req.headers.host ?? '';
  return HOST.test(host) ? `ws://${host} wss://${host}` : "'self'";
};

/**
 * The dashboard's policy: only its own scripts, styles and API. The dashboard keeps the token in
 * localStorage, so this is its guard against XSS: no inline or foreign script can run to read it.
 * No upgrade-insecure-requests: a class server on plain HTTP would have every asset upgraded to an
 * HTTPS port that does not answer.
 */
export const DASHBOARD_CSP: Directives = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'", socketToSelf],
  'object-src': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'upgrade-insecure-requests': null,
};

/** Swagger UI (/api/docs): its own scripts, but inline <style> blocks and data: images in its HTML and CSS. */
export const DOCS_CSP: Directives = {
  ...DASHBOARD_CSP,
  'style-src': ["'self'", "'unsafe-inline'"],
  'connect-src': ["'self'"],
};

/**
 * bull-board (/admin/queues): its own scripts, inline styles in its HTML, and the Google Fonts
 * stylesheet its HTML links (offline the font falls back; nothing breaks).
 */
export const QUEUE_BOARD_CSP: Directives = {
  ...DASHBOARD_CSP,
  'style-src': ["'self'", "'unsafe-inline'", 'https://fonts.googleapis.com'],
  'font-src': ["'self'", 'data:', 'https://fonts.gstatic.com'],
  'connect-src': ["'self'"],
};

const csp = (directives: Directives): Middleware => helmet.contentSecurityPolicy({ useDefaults: false, directives }) as Middleware;

/**
 * helmet's security headers for every response, with a Content-Security-Policy chosen by path:
 * the two third-party pages the API serves get the little more they need, everything else
 * (the dashboard, JSON) the strict one.
 */
export function securityHeaders(): Middleware[] {
  const policies: [prefix: string, policy: Middleware][] = [
    ['/api/docs', csp(DOCS_CSP)],
    ['/admin/queues', csp(QUEUE_BOARD_CSP)],
  ];
  const strict = csp(DASHBOARD_CSP);
  const pathOf = (req: IncomingMessage) => (req.url ?? '/').split('?')[0];
  const byPath: Middleware = (req, res, next) => {
    const path = pathOf(req);
    const policy = policies.find(([prefix]) => path === prefix || path.startsWith(`${prefix}/`))?.[1] ?? strict;
    policy(req, res, next);
  };
  return [helmet({ contentSecurityPolicy: false }) as Middleware, byPath];
}
