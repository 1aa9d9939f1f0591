import type { NestExpressApplication } from '@nestjs/platform-express';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The built dashboard (apps/dashboard/dist), from src/ under jest and dist/ when built. */
export const DASHBOARD_DIR = path.join(__dirname, '..', '..', '..', 'dashboard', 'dist');

/**
 * The dashboard's client-side routes (apps/dashboard/src/router.ts): each answers index.html so a
 * reload or a shared link works. A whitelist, so it can never shadow /api, /health, /metrics,
 * /admin or /socket.io.
 */
export const DASHBOARD_ROUTES = /^\/(?:|signin|submit|compare|queue|runs\/[A-Za-z0-9_-]{1,64})\/?$/;

interface Req {
  method: string;
  path: string;
}
interface Res {
  setHeader(name: string, value: string): void;
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
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !DASHBOARD_ROUTES.test(req.path)) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return true;
}
