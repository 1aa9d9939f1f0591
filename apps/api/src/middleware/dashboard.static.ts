import type { NestExpressApplication } from '@nestjs/platform-express';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXPERIMENT_ID_SOURCE } from '@trainyard/contracts';

/** The built dashboard (apps/dashboard/dist), from src/ under jest and dist/ when built. */
export const DASHBOARD_DIR = path.join(__dirname, '..', '..', '..', 'dashboard', 'dist');

/**
 * The dashboard's client-side routes (apps/dashboard/src/router.ts): each answers index.html so a
 * reload or a shared link works. A whitelist, so it can never shadow /api, /health, /metrics,
 * /admin or /socket.io.
 */
export const DASHBOARD_ROUTES = new RegExp(`^/(?:|signin|submit|compare|queue|runs/${EXPERIMENT_ID_SOURCE})/?$`);

/** Paths that belong to the API and its other pages: an unknown one there stays the API's JSON 404. */
export const RESERVED_PATHS = /^\/(?:api|health|metrics|admin|socket\.io|assets)(?:\/|$)/;

/**
 * What the dashboard answers for a request: `index` (a client route: 200, index.html), `not-found`
 * (a page a browser asked for that no route knows: 404 with index.html, whose router shows the
 * dashboard's own not-found page) or `pass` (anything else: the API's routes and their JSON 404).
 * Only a request that accepts text/html gets `not-found`: a script's typo stays a JSON 404.
 */
export function dashboardAnswer(method: string, path: string, accept = ''): 'index' | 'not-found' | 'pass' {
  if (method !== 'GET' && method !== 'HEAD') return 'pass';
  if (DASHBOARD_ROUTES.test(path)) return 'index';
  if (RESERVED_PATHS.test(path) || !/\btext\/html\b/.test(accept)) return 'pass';
  return 'not-found';
}

interface Req {
  method: string;
  path: string;
  headers: { accept?: string };
}
interface Res {
  setHeader(name: string, value: string): void;
  status(code: number): Res;
  sendFile(file: string): void;
}

/** Serves the dashboard when it has been built; returns false (nothing registered) otherwise. */
export function serveDashboard(app: NestExpressApplication, dir = DASHBOARD_DIR): boolean {
  const index = path.join(dir, 'index.html');
  if (!fs.existsSync(index)) return false;
  app.useStaticAssets(dir, {
    index: false,
    // Vite names assets by content hash: cache them for good; everything else is revalidated.
    setHeaders: (res, file) =>
      res.setHeader('Cache-Control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache'),
  });
  app.use((req: Req, res: Res, next: () => void) => {
    const answer = dashboardAnswer(req.method, req.path, req.headers.accept);
    if (answer === 'pass') return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.status(answer === 'index' ? 200 : 404).sendFile(index);
  });
  return true;
}
