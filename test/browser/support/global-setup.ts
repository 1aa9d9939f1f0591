// Runs once before the e2e project's test files. It finds Chromium for the browser tests (or
// installs Debian's, as root), so that a machine without one meets one line saying what is
// missing, not a red test per page. CI must run them: there a missing Chromium fails the run.
import { CHROMIUM_ENV, ensureChromium } from './chromium';

export default async function globalSetup(): Promise<void> {
  try {
    process.env[CHROMIUM_ENV] = await ensureChromium((line) => process.stderr.write(`browser tests: ${line}\n`));
  } catch (err) {
    if (process.env.CI) throw err;
    process.env[CHROMIUM_ENV] = '';
    process.stderr.write(`\nbrowser tests SKIPPED: ${(err as Error).message}\n\n`);
  }
}
