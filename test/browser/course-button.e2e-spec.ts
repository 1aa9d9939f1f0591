// The course's lesson in one click: on a fresh stack a student clicks "Run the four 4.1
// experiments", and the course table it fills shows comparable runs in the course's order.
import type { Browser } from 'playwright-core';
import { SUITES, type ExperimentEvent } from '@trainyard/contracts';
import { TOKENS, type Harness } from '../../apps/api/testing/api-harness';
import { collectErrors, describeInBrowser, reportCspViolations, screenshot } from './support/browser';
import { startBrowserStack, type BrowserStack } from './support/browser-stack';
import { expectCourseOrdering } from '../support/course-ordering';

// Four runs of the course's 938 SGD steps (8 epochs of the bundled digits each): about 20 s of
// training on wasm on an idle 2-core machine; the bound leaves room for a busy one.
const TRAINING_BOUND_MS = 480_000;
jest.setTimeout(TRAINING_BOUND_MS + 120_000);

describeInBrowser('the course button (browser e2e)', () => {
  let stack: BrowserStack;
  let h: Harness;
  let browser: Browser;

  beforeAll(async () => {
    // wasm, not the pure-JS cpu backend of the other e2e tests: the course's steps take the cpu
    // backend minutes per CNN run, wasm seconds, and the numbers are the course's either way.
    stack = await startBrowserStack({ worker: { env: { TF_BACKEND: 'wasm' } } });
    ({ h, browser } = stack);
  });

  afterAll(() => stack?.close());

  it("fills the course table with comparable runs in the course's order, and plots both training accuracies", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1400 } });
    await reportCspViolations(context);
    const page = await context.newPage();
    const errors = collectErrors(page);
    try {
      await page.goto(`${h.api.url}/compare`);
      await page.fill('#token', TOKENS.alice);
      await page.click('button[type=submit]');
      await page.waitForSelector('[data-testid=course-table]');
      await page.click('button:has-text("Run the four 4.1 experiments")');
      await page.waitForSelector('text=Queued 4 runs.');

      const rows = SUITES['week2-mnist'].map((preset) => `[data-testid=course-table] tr[data-preset="${preset}"]`);
      // Each row gets its comparison once its run has completed (the page refreshes its list every 10 s).
      await page.waitForFunction((selectors) => selectors.every((s) => document.querySelector(s)?.hasAttribute('data-comparable')), rows, {
        timeout: TRAINING_BOUND_MS,
        polling: 1000,
      });
      await screenshot(page, 'course-table-after-button');

      const table = await Promise.all(
        rows.map(async (s) => ({
          comparable: await page.getAttribute(s, 'data-comparable'),
          measured: Number(/([\d.]+)%/.exec((await page.locator(`${s} [data-testid=measured]`).textContent()) ?? '')?.[1]) / 100,
          note: await page.locator(`${s} td`).last().textContent(),
        })),
      );
      const acc = Object.fromEntries(SUITES['week2-mnist'].map((preset, i) => [preset, table[i].measured]));
      // Printed for the record: the accuracies the button measured on this machine.
      process.stdout.write(`course button: ${JSON.stringify(table)}\n`);

      // Every run in the table is comparable with the course's, and says nothing against it.
      expect(table.map((r) => [r.comparable, r.note])).toEqual(table.map(() => ['true', expect.not.stringContaining('Not comparable')]));
      expect(await page.locator('[data-testid=course-table] [data-testid=not-comparable]').count()).toBe(0);
      // The course's lesson: the CNN beats the FC net, and permuting pixels costs the CNN far more.
      expectCourseOrdering(acc);

      // The CNN's run page: both training accuracies drawn, one point per progress event each.
      await page.click(`${rows[1]} a[href^="/runs/"]`);
      await page.waitForSelector('[data-testid=run-page][data-status=completed]');
      const id = new URL(page.url()).pathname.split('/').pop()!;
      const events: ExperimentEvent[] = await h.store.events(id);
      const count = (type: string) => events.filter((e) => e.type === type).length;
      await page.waitForFunction(
        (n) => Number(document.querySelector('[data-testid=accuracy-chart]')?.getAttribute('data-points')) === n,
        2 * count('progress') + 2 * count('epoch'),
      );
      const legend = await page.locator('[data-testid=accuracy-chart] .u-legend .u-series').allTextContents();
      expect(legend.join('|')).toMatch(/train accuracy, this batch.*\|.*train accuracy, epoch so far \(running mean\)/);
      await screenshot(page, 'run-page-two-accuracies');
    } finally {
      await context.close();
    }
    expect(errors).toEqual([]);
  });
});
