import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const built = new Set<string>();

/**
 * Runs `tsc -b <tsconfig>` once per test process, for tests that spawn built JS (a worker, a
 * training process). CI builds in `npm ci` (prepare); this incremental build makes a local run
 * after an edit test the edited code. Throws with tsc's output when the build fails.
 */
export function ensureBuilt(tsconfig: string): void {
  const project = path.resolve(tsconfig);
  if (built.has(project)) return;
  const tsc = require.resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-b', project], { cwd: path.dirname(project), stdio: 'pipe' });
  } catch (err) {
    const out = (err as { stdout?: Buffer }).stdout?.toString() ?? '';
    throw new Error(`building ${path.relative(process.cwd(), project)} failed:\n${out}`);
  }
  built.add(project);
}
