import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHROMIUM_ENV } from './chromium';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';

const ROOT = path.resolve(__dirname, '..', '..', '..');
export const SCREENSHOT_DIR = path.join(ROOT, 'test-output', 'screenshots');

/**
 * `describe` for a browser test file: skipped, with the global setup's one line saying why, when
 * this machine has no Chromium (never in CI, where that fails the run instead).
 */
export const describeInBrowser: jest.Describe = process.env[CHROMIUM_ENV] === '' ? describe.skip : describe;

/** The Chromium the global setup found (Debian's, or CHROMIUM_PATH), headless. */
export function launchChromium(): Promise<Browser> {
  const executablePath = process.env[CHROMIUM_ENV] || process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  // launch() gives every run a fresh temporary profile of its own.
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** Every console error and uncaught exception of a page, with where it happened. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg: ConsoleMessage) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  // CI keeps its log: the path says where to find the image on the machine that ran it.
  process.stdout.write(`screenshot: ${path.relative(ROOT, file)}\n`);
  return file;
}

/** The prefix of the console error reportCspViolations logs for each violation. */
export const CSP_VIOLATION = 'CSP violation';

/**
 * Logs every Content-Security-Policy violation in the context's pages as a console error, which
 * collectErrors then reports. Chromium logs its own "Refused to …" line too; the event also names
 * the directive and source. An init script runs through the DevTools protocol, so the policy it
 * watches cannot block it.
 */
export async function reportCspViolations(context: BrowserContext): Promise<void> {
  await context.addInitScript(`document.addEventListener('securitypolicyviolation', (e) =>
    console.error('${CSP_VIOLATION}: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'an inline item') + ' at ' + e.sourceFile + ':' + e.lineNumber));`);
}
