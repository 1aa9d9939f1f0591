// What a TA found trying the dashboard, in headless Chromium against the real
// API, a real worker process and a real Redis: a run on a server's non-canonical MNIST shows its
// data warning and is not comparable, for the reason that is true; the course button refuses a
// count it cannot read; queue positions count down without a reload; the submit form hints the
// class's limits; a TA's compare page says whose runs it lists.
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { auth, type Harness } from '../../apps/api/testing/api-harness';
import { until } from '@trainyard/testing';
import { idxImages, idxLabels } from '../../libs/training/src/data/__tests__/fixtures';
import { describeInBrowser } from './support/browser';
import { startBrowserStack, type BrowserStack } from './support/browser-stack';
import { signedInPages } from './support/signed-in-pages';

jest.setTimeout(300_000);

describeInBrowser('what a TA found trying the dashboard (browser e2e)', () => {
  let stack: BrowserStack;
  let h: Harness;
  let browser: Browser;
  const { open, post, afterEachTest } = signedInPages(() => ({ browser, apiUrl: h.api.url }));

  beforeAll(async () => {
    stack = await startBrowserStack();
    ({ h, browser } = stack);
    // The worker's DATA_DIR/mnist holds 256 / 64 IDX images: MNIST's format, not the canonical set.
    const dir = path.join(h.home, 'data', 'mnist');
    await mkdir(dir, { recursive: true });
    const labels = (n: number) => Array.from({ length: n }, (_, i) => i % 10);
    await writeFile(path.join(dir, 'train-images-idx3-ubyte'), idxImages(256, 28, 28, (i, p) => (i * 31 + p) % 256));
    await writeFile(path.join(dir, 'train-labels-idx1-ubyte'), idxLabels(labels(256)));
    await writeFile(path.join(dir, 't10k-images-idx3-ubyte'), idxImages(64, 28, 28, (i, p) => (i * 17 + p) % 256));
    await writeFile(path.join(dir, 't10k-labels-idx1-ubyte'), idxLabels(labels(64)));
  });

  afterAll(() => stack?.close());

  afterEach(() => afterEachTest());

  it("a run on the server's small mnist shows the data warning, and is not comparable for the true reasons", async () => {
    const run = await post('alice', '/api/experiments', { preset: 'mnist-cnn', dataset: 'mnist', epochs: 1 });
    // The spec alone reads as the course's run: mnist, 1 epoch, 938 steps on the canonical set.
    expect(run.spec.epochs).toBe(1);
    await until(async () => (await h.store.get(run.id))!.status === 'completed', 'the run to complete', 180_000);

    const page = await open('alice', `/runs/${run.id}`);
    const warning = await page.waitForSelector('[data-testid=data-warnings]');
    expect(await warning.textContent()).toMatch(/not the canonical set/i);
    const reasons = await (await page.waitForSelector('[data-testid=result] [data-testid=not-comparable]')).textContent();
    expect(reasons).toContain('not the canonical set: 256 of 60,000 training images');
    expect(reasons).toContain('fewer SGD steps than the course: 4 vs 938');

    await page.goto(`${h.api.url}/compare`);
    const row = await page.waitForSelector('[data-testid=course-table] tr[data-preset=mnist-cnn][data-comparable]');
    expect(await row.getAttribute('data-comparable')).toBe('false');
    expect(await row.textContent()).toMatch(/1 ep\. = 4 steps.*Not comparable: not the canonical set: 256 of 60,000 training images/);
  });

  it('the course button refuses a count it cannot read, next to the field, and reads "2,000" as 2000', async () => {
    const page = await open('alice', '/compare');
    const sent: unknown[] = [];
    // The suite itself is not run: only what the button would send matters here.
    await page.route('**/api/suites/week2-mnist', async (route) => {
      sent.push(route.request().postDataJSON());
      await route.fulfill({ status: 201, contentType: 'application/json', body: JSON.stringify({ suite: 'week2-mnist', experiments: [] }) });
    });
    const field = page.locator('[data-testid=suite-limit]');
    const button = page.locator('[data-testid=run-suite]');
    for (const [text, message] of [
      ['abc', '"abc" is not a whole number of images'],
      ['0', 'at least 1 image'],
    ] as const) {
      await field.fill(text);
      await page.waitForSelector(`[data-testid=suite-limit-error]:has-text('${message}')`);
      expect(await button.isDisabled()).toBe(true);
      expect(await field.getAttribute('aria-invalid')).toBe('true');
    }
    await field.fill('2,000');
    await page.waitForSelector('[data-testid=suite-limit-error]', { state: 'detached' });
    await button.click();
    await page.waitForSelector('text=Queued 0 runs.');
    expect(sent).toEqual([{ limit: 2000 }]);
  });

  it('queue positions count down live in the runs list and on the compare page, as runs ahead leave', async () => {
    const blocker = await post('bob', '/api/experiments', { preset: 'mnist-cnn', limit: 4096, testLimit: 64, name: 'blocker' });
    await until(async () => (await h.store.get(blocker.id))!.status === 'running', 'the blocker to start', 60_000);
    const small = { preset: 'mnist-fc', dataset: 'synthetic', limit: 64, testLimit: 32, epochs: 1 };
    const first = await post('alice', '/api/experiments', { ...small, name: 'first' });
    const second = await post('alice', '/api/experiments', { ...small, name: 'second' });
    expect(second.position).toBe(2);
    try {
      const list = await open('alice', '/');
      const compare = await open('alice', `/compare?ids=${second.id}`);
      const inList = `[data-testid=runs] tr[data-run="${second.id}"] [data-testid=status]`;
      const inPicks = `[data-testid=pick-list] li[data-run="${second.id}"] [data-testid=status]`;
      const inSide = `[data-testid=side-by-side] td[data-run="${second.id}"] [data-testid=status]`;
      await list.waitForSelector(`${inList}:has-text("#2 in queue")`);
      await compare.waitForSelector(`${inPicks}:has-text("#2 in queue")`);
      const res = await fetch(`${h.api.url}/api/experiments/${first.id}/cancel`, { method: 'POST', headers: auth('alice') });
      expect(res.ok).toBe(true);
      // No reload: the pages follow on their own (the list's positions are refreshed while a run waits).
      await list.waitForSelector(`${inList}:has-text("#1 in queue")`, { timeout: 30_000 });
      await compare.waitForSelector(`${inPicks}:has-text("#1 in queue")`, { timeout: 30_000 });
      await compare.waitForSelector(`${inSide}:has-text("#1 in queue")`, { timeout: 30_000 });
    } finally {
      for (const id of [blocker.id, first.id, second.id]) await fetch(`${h.api.url}/api/experiments/${id}/cancel`, { method: 'POST', headers: auth('admin') });
      await until(async () => (await h.store.get(blocker.id))!.status === 'cancelled', 'the blocker to stop', 60_000);
    }
  });

  it("the submit form hints the class's epoch limit to a student, and the schema's to an exempt TA", async () => {
    const student = await open('alice', '/submit');
    const hint = student.locator('.form-row[data-field=epochs] .hint');
    await hint.waitFor();
    expect(await hint.textContent()).toContain('1 to 30 in this class, and at most 60 min a run (estimated below)');
    const ta = await open('admin', '/submit');
    const taHint = ta.locator('.form-row[data-field=epochs] .hint');
    await taHint.waitFor();
    expect(await taHint.textContent()).toContain('1 to 200');
  });

  it("a TA's compare page lists the whole class's runs with each run's owner; a student's, their own", async () => {
    await post('bob', '/api/experiments', { preset: 'mnist-fc', dataset: 'synthetic', limit: 64, testLimit: 32, epochs: 1, name: 'bob run' });
    const ta = await open('admin', '/compare');
    await ta.waitForSelector('[data-testid=pick-list-title]:has-text("All runs (the whole class)")');
    // The title is drawn before the run list's fetch returns; the list comes in one render.
    await ta.waitForSelector('[data-testid=pick-list] li');
    const owners = await ta.$$eval('[data-testid=pick-list] li [data-testid=owner]', (els) => els.map((e) => e.textContent));
    expect(new Set(owners)).toEqual(new Set(['alice', 'bob']));
    const student = await open('alice', '/compare');
    await student.waitForSelector('[data-testid=pick-list-title]:has-text("Your runs")');
    await student.waitForSelector('[data-testid=pick-list] li');
    expect(await student.locator('[data-testid=pick-list] [data-testid=owner]').count()).toBe(0);
  });
});
