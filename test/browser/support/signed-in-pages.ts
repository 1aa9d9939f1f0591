import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { auth, TOKENS, type TestUser } from '../../../apps/api/testing/api-harness';
import { collectErrors, reportCspViolations } from './browser';

/**
 * Signed-in dashboard pages for a browser test file, each in its own context. Every console error
 * and CSP violation of a page fails the test that opened it: call `afterEachTest` in `afterEach`
 * (it closes the contexts and expects no error but those `expectOnly` allowed).
 */
export function signedInPages(get: () => { browser: Browser; apiUrl: string }) {
  let closers: (() => Promise<void>)[] = [];
  let errors: string[] = [];
  return {
    /** Opens `route` as `user` (token in localStorage) once the page says who is signed in. */
    async open(user: TestUser, route: string, options: BrowserContextOptions = {}): Promise<Page> {
      const { browser, apiUrl } = get();
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, ...options });
      closers.push(() => context.close());
      await reportCspViolations(context);
      await context.addInitScript((token) => localStorage.setItem('trainyard.token', token), TOKENS[user]);
      const page = await context.newPage();
      const pageErrors = collectErrors(page);
      closers.push(async () => void errors.push(...pageErrors));
      await page.goto(`${apiUrl}${route}`);
      await page.waitForSelector(`[data-testid=who]:has-text("${user}")`);
      return page;
    },
    /** Drops the console errors this test causes on purpose (failed loads it asked for); any other still fails it. */
    expectOnly(expected: RegExp) {
      closers.push(async () => {
        errors = errors.filter((e) => !expected.test(e));
      });
    },
    /** POSTs JSON as `user`, expecting 201, and returns the body. */
    async post(user: TestUser, route: string, body: unknown) {
      const res = await fetch(`${get().apiUrl}${route}`, { method: 'POST', headers: { ...auth(user), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(201);
      return res.json();
    },
    /** In order: contexts close, their pages' errors are gathered, then each test's expected ones dropped. */
    async afterEachTest() {
      for (const close of closers) await close();
      const seen = errors;
      closers = [];
      errors = [];
      expect(seen).toEqual([]);
    },
  };
}
