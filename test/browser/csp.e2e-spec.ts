// The pages the API serves still work in headless Chromium under the API's Content-Security-Policy
// (apps/api/src/middleware/security-headers.ts), with no violation reported: the dashboard (its
// socket.io feed included), Swagger UI at /api/docs and bull-board at /admin/queues. Needs no
// worker: the dashboard's training flows are in dashboard.e2e-spec.ts, under the same check.
import type { Browser, BrowserContext } from 'playwright-core';
import { startHarness, TOKENS, type Harness } from '../../apps/api/testing/api-harness';
import { collectErrors, CSP_VIOLATION, describeInBrowser, launchChromium, reportCspViolations } from './support/browser';
import { ensureDashboardBuilt } from './support/dashboard-build';

jest.setTimeout(120_000);

describeInBrowser('the API\'s pages under its CSP (browser e2e)', () => {
  let h: Harness;
  let browser: Browser;
  beforeAll(async () => {
    ensureDashboardBuilt();
    h = await startHarness();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  /** A context that reports CSP violations, and the errors of its one page. */
  async function open(options: Parameters<Browser['newContext']>[0] = {}) {
    const context: BrowserContext = await browser.newContext(options);
    await reportCspViolations(context);
    const page = await context.newPage();
    return { context, page, errors: collectErrors(page) };
  }

  const violations = (errors: string[]) => errors.filter((e) => e.includes(CSP_VIOLATION) || e.includes('Content Security Policy'));

  it('the dashboard signs in, goes live over socket.io and shows every page, with no violation and no error', async () => {
    const { context, page, errors } = await open();
    try {
      const res = await page.goto(`${h.api.url}/`);
      expect(res!.headers()['content-security-policy']).toContain("script-src 'self'");
      await page.fill('#token', TOKENS.alice);
      await page.click('button[type=submit]');
      await page.waitForSelector('[data-testid=who]:has-text("alice")', { timeout: 60_000 });
      await page.waitForSelector('[data-testid=feed-status]:has-text("live")', { timeout: 60_000 });
      for (const link of ['Submit', 'Compare']) {
        await page.click(`nav >> text=${link}`);
        await page.waitForLoadState('networkidle', { timeout: 60_000 });
      }
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('Swagger UI (/api/docs) renders its operations under its policy, with no violation', async () => {
    const { context, page, errors } = await open();
    try {
      await page.goto(`${h.api.url}/api/docs`);
      await page.waitForSelector('.swagger-ui .opblock-summary-path', { timeout: 60_000 });
      expect(violations(errors)).toEqual([]);
      expect(errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('bull-board (/admin/queues) renders the training queue under its policy, with no violation', async () => {
    const { context, page, errors } = await open({ httpCredentials: { username: 'ta', password: TOKENS.admin } });
    // Its HTML links a Google web font: offline (as on CI) that fails to load, which is not the policy's doing.
    await context.route(/^https:\/\/fonts\.(googleapis|gstatic)\.com\//, (route) => route.abort());
    try {
      await page.goto(`${h.api.url}/admin/queues`);
      await page.waitForSelector('text=training', { timeout: 60_000 });
      expect(violations(errors)).toEqual([]);
      expect(errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
