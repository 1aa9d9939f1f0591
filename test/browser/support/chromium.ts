import * as fs from 'node:fs';
import { ensureDebianBinary, findOnPath } from '@trainyard/config';

/**
 * Set by the e2e project's global setup (test/browser/support/global-setup.ts) for every test
 * file: the Chromium the browser tests drive, or '' when there is none and they are skipped.
 */
export const CHROMIUM_ENV = 'TRAINYARD_CHROMIUM';

const INSTALL_HINT = 'install Debian\'s chromium (`sudo apt-get install chromium`) or set CHROMIUM_PATH to a Chromium or Chrome binary';

/**
 * Debian's Chromium, or CHROMIUM_PATH. When it is missing and this process runs as root with
 * apt-get, installs Debian's `chromium` once (as redis-server is installed); a browser is never
 * downloaded from anywhere else.
 * @throws Error naming what is missing and how to install it
 */
export async function ensureChromium(log: (line: string) => void): Promise<string> {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!fs.existsSync(configured)) throw new Error(`CHROMIUM_PATH=${configured} does not exist`);
    return configured;
  }
  const found = findOnPath('chromium') ?? findOnPath('chromium-browser');
  if (found) return found;
  return ensureDebianBinary({
    binary: 'chromium',
    debianPackage: 'chromium',
    missing: (detail) => new Error(`Chromium was not found: ${INSTALL_HINT}${detail ? ` (${detail})` : ''}`),
    log,
  });
}
