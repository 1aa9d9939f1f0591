import { ensureDebianBinary, type InstallLog } from '@trainyard/config';

export type RedisLog = InstallLog;

export const REDIS_INSTALL_HINT =
  'redis-server was not found on PATH: install it (Debian/Ubuntu: `sudo apt-get install redis-server`, macOS: `brew install redis`) or set REDIS_URL to a running Redis';

export class RedisServerMissingError extends Error {
  constructor(detail?: string) {
    super(detail ? `${REDIS_INSTALL_HINT} (${detail})` : REDIS_INSTALL_HINT);
    this.name = 'RedisServerMissingError';
  }
}

/**
 * The redis-server binary. When it is missing and this process may install Debian packages
 * (root, apt-get present), installs Debian's `redis-server` once; otherwise throws one line
 * saying how to install it.
 * @throws RedisServerMissingError
 */
export function ensureRedisServer(log: RedisLog = () => {}): Promise<string> {
  return ensureDebianBinary({ binary: 'redis-server', debianPackage: 'redis-server', missing: (detail) => new RedisServerMissingError(detail), log });
}
