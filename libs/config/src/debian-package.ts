import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { withFileLock } from './file-lock';

export type InstallLog = (message: string) => void;

/** The first executable file named `name` on PATH, or undefined. */
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

/** True when this process may install Debian packages itself: root, with apt-get on PATH. */
export function canInstallDebianPackages(): boolean {
  return process.getuid?.() === 0 && findOnPath('apt-get') !== undefined;
}

export interface DebianBinary {
  /** The executable to find on PATH, e.g. `redis-server`. */
  binary: string;
  /** Debian's package that provides it, e.g. `redis-server`. */
  debianPackage: string;
  /** The error to throw when it is missing and can't be installed; `detail` says why. */
  missing: (detail?: string) => Error;
  log?: InstallLog;
}

const installing = new Map<string, Promise<string>>();

/**
 * The path of `binary`. When it is missing and this process may install Debian packages (root,
 * apt-get present), installs `debianPackage` once, even across processes (a lock file in the
 * temp dir); otherwise throws `missing()`. Services a package would start (Debian starts
 * redis-server on 6379) are kept from starting: the project never uses them.
 * @throws whatever `missing` returns, when the binary is absent after all.
 */
export function ensureDebianBinary({ binary, debianPackage, missing, log = () => {} }: DebianBinary): Promise<string> {
  const found = findOnPath(binary);
  if (found) return Promise.resolve(found);
  const apt = findOnPath('apt-get');
  if (process.getuid?.() !== 0 || !apt) return Promise.reject(missing());
  // One install at a time on this machine (parallel test files, API and worker starting
  // together); whoever waited finds the binary installed by the first.
  const lock = path.join(os.tmpdir(), `trainyard-install-${debianPackage}.lock`);
  let pending = installing.get(debianPackage);
  if (!pending) {
    pending = withFileLock(lock, async () => findOnPath(binary) ?? installWithApt(apt, { binary, debianPackage, missing, log }))
      .finally(() => installing.delete(debianPackage));
    installing.set(debianPackage, pending);
  }
  return pending;
}

async function installWithApt(apt: string, { binary, debianPackage, missing, log }: Required<DebianBinary>): Promise<string> {
  log(`${binary} is missing: installing Debian's ${debianPackage} with apt-get (running as root)`);
  // policy-rc.d exiting 101 keeps maintainer scripts from starting services, as Docker images
  // do. An existing policy is left alone.
  const policy = '/usr/sbin/policy-rc.d';
  const addedPolicy = !fs.existsSync(policy) && tryWrite(policy, '#!/bin/sh\n# added by trainyard while installing a package\nexit 101\n');
  try {
    // Another apt run (or a second project process) may hold the dpkg lock: wait for it.
    const lockWait = ['-o', 'DPkg::Lock::Timeout=300'];
    await run(apt, [...lockWait, 'update'], log);
    await run(apt, [...lockWait, 'install', '-y', '--no-install-recommends', debianPackage], log);
  } catch (err) {
    throw missing(`apt-get failed: ${(err as Error).message}`);
  } finally {
    if (addedPolicy) fs.rmSync(policy, { force: true });
  }
  const bin = findOnPath(binary);
  if (!bin) throw missing(`apt-get finished but ${binary} is still not on PATH`);
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

function run(cmd: string, args: string[], log: InstallLog): Promise<void> {
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
