import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

/** The built `trainyard` bin, as a user runs it (built by `npm ci`'s prepare step). */
export const TRAINYARD_BIN = path.resolve(__dirname, '..', '..', 'apps', 'cli', 'bin', 'trainyard.js');

const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `trainyard args` to its end: a non-zero exit resolves too, with its code and its output.
 * `timeout` (ms) kills a command that hangs; `env` is the whole environment, not additions.
 */
export async function runTrainyard(args: string[], options: { timeout: number; env?: NodeJS.ProcessEnv; cwd?: string }): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [TRAINYARD_BIN, ...args], options);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
