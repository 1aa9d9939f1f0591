import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { withFileLock } from './file-lock';

export type RedisLog = (message: string) => void;

export const REDIS_INSTALL_HINT =
  'redis-server was not found on PATH: install it (Debian/Ubuntu: `sudo apt-get install redis-server`, macOS: `brew install redis`) or set REDIS_URL to a running Redis';

export class RedisServerMissingError extends Error {
  constructor(detail?: string) {
    super(detail ? `${REDIS_INSTALL_HINT} (${detail})` : REDIS_INSTALL_HINT);
    this.name = 'RedisServerMissingError';
  }
}

export function findOnPath(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of envPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

let installing: Promise<string> | undefined;

/**
 * The redis-server binary. When it is missing and this process may install Debian packages
 * (root, apt-get present), installs Debian's `redis-server` once; otherwise throws one line
 * saying how to install it.
 */
export function ensureRedisServer(log: RedisLog = () => {}): Promise<string> {
  const found = findOnPath('redis-server');
  if (found) return Promise.resolve(found);
  const apt = findOnPath('apt-get');
  if (process.getuid?.() !== 0 || !apt) return Promise.reject(new RedisServerMissingError());
  // One install at a time on this machine (parallel test files, API and worker starting
  // together); whoever waited finds the binary installed by the first.
  const lock = path.join(os.tmpdir(), 'trainyard-redis-install.lock');
  installing ??= withFileLock(lock, async () => findOnPath('redis-server') ?? installWithApt(apt, log)).finally(() => (installing = undefined));
  return installing;
}

async function installWithApt(apt: string, log: RedisLog): Promise<string> {
  log('redis-server is missing: installing Debian\'s redis-server with apt-get (running as root)');
  // Debian's package starts its own service on port 6379 unless policy-rc.d forbids it; we never
  // use that service (each project process spawns its own server on a private port), so keep it
  // from starting at all, as Docker images do. An existing policy is left alone.
  const policy = '/usr/sbin/policy-rc.d';
  const addedPolicy = !fs.existsSync(policy) && tryWrite(policy, '#!/bin/sh\n# added by trainyard while installing redis-server\nexit 101\n');
  try {
    // Another apt run (or a second project process) may hold the dpkg lock: wait for it.
    const lockWait = ['-o', 'DPkg::Lock::Timeout=300'];
    await run(apt, [...lockWait, 'update'], log);
    await run(apt, [...lockWait, 'install', '-y', '--no-install-recommends', 'redis-server'], log);
  } catch (err) {
    throw new RedisServerMissingError(`apt-get failed: ${(err as Error).message}`);
  } finally {
    if (addedPolicy) fs.rmSync(policy, { force: true });
  }
  const bin = findOnPath('redis-server');
  if (!bin) throw new RedisServerMissingError('apt-get finished but redis-server is still not on PATH');
  log(`installed ${bin}`);
  return bin;
}

function tryWrite(file: string, text: string): boolean {
  try {
    fs.writeFileSync(file, text, { mode: 0o755, flag: 'wx' });
    return true;
  } catch {
    return false;
  }
}

function run(cmd: string, args: string[], log: RedisLog): Promise<void> {
  return new Promise((resolve, reject) => {
    log(`$ ${path.basename(cmd)} ${args.join(' ')}`);
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    let tail = '';
    const keep = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-2000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(cmd)} ${args.at(-1)} exited with ${signal ?? code}: ${lastLine(tail)}`));
    });
  });
}

const lastLine = (text: string) => text.trim().split('\n').at(-1) ?? '';
