import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const DASHBOARD = path.join(ROOT, 'apps', 'dashboard');
const INDEX = path.join(DASHBOARD, 'dist', 'index.html');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * The API serves apps/dashboard/dist. CI builds it in `npm ci` (prepare); this rebuild, only when
 * a source file is newer than the build, makes a local run after an edit test the edited page.
 */
export function ensureDashboardBuilt(): void {
  const built = fs.existsSync(INDEX) ? fs.statSync(INDEX).mtimeMs : 0;
  const sources = Math.max(newestSource(path.join(DASHBOARD, 'src')), newestSource(path.join(ROOT, 'libs', 'contracts', 'src')));
  if (built > sources) return;
  const vite = path.join(path.dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
  try {
    execFileSync(process.execPath, [vite, 'build', '--config', path.join(DASHBOARD, 'vite.config.mts'), '--logLevel', 'warn'], {
      cwd: ROOT,
      stdio: 'pipe',
      env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' },
    });
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`building the dashboard failed:\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`);
  }
}
