// The dashboard's working tools in headless Chromium against the real API (in-process), a real
// worker process and a real Redis: the runs list's search, filters, sort, tags and notes; the
// charts' smoothing, log scale, hover legend, x-axis and CSV export; the not-found page; a 390-px
// phone; dark mode; and the compare page following a queued run as it starts.
import * as fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { auth, type Harness } from '../../apps/api/testing/api-harness';
import { until } from '@trainyard/testing';
import { describeInBrowser, screenshot } from './support/browser';
import { startBrowserStack, type BrowserStack } from './support/browser-stack';
import { signedInPages } from './support/signed-in-pages';

jest.setTimeout(300_000);

describeInBrowser('dashboard tools (browser e2e)', () => {
  let stack: BrowserStack;
  let h: Harness;
  let browser: Browser;
  const { open, post, expectOnly, afterEachTest } = signedInPages(() => ({ browser, apiUrl: h.api.url }));
  /** week2-mnist on a small subset, as alice: four completed runs of the course's suite. */
  let suite: { id: string; spec: { name: string } }[];

  beforeAll(async () => {
    stack = await startBrowserStack();
    ({ h, browser } = stack);
    const res = await post('alice', '/api/suites/week2-mnist', { limit: 256, testLimit: 64, epochs: 2 });
    suite = res.experiments;
    for (const { id } of suite) await until(async () => (await h.store.get(id))!.status === 'completed', `suite run ${id} to complete`, 180_000);
  });

  afterAll(() => stack?.close());

  afterEach(() => afterEachTest());

  const rowIds = (page: Page) => page.$$eval('[data-testid=runs] tbody tr[data-run]', (rows) => rows.map((r) => r.getAttribute('data-run')!));
  const download = async (page: Page, selector: string): Promise<{ name: string; text: string }> => {
    const [d] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
    return { name: d.suggestedFilename(), text: fs.readFileSync((await d.path())!, 'utf8') };
  };

  it('an unknown page shows the dashboard’s own not-found page; unknown API paths stay JSON 404s', async () => {
    const page = await open('alice', '/');
    const res = await page.goto(`${h.api.url}/nope`);
    expect(res!.status()).toBe(404);
    await page.waitForSelector('h1:has-text("Page not found")');
    expect(await page.locator('nav').count()).toBe(1);
    // The same browser asking for an unknown API path gets the API's JSON.
    const api = await page.goto(`${h.api.url}/api/nope`);
    expect(api!.status()).toBe(404);
    expect(api!.headers()['content-type']).toContain('application/json');
    expect(JSON.parse(await api!.text())).toMatchObject({ statusCode: 404 });
    // The two 404s asked for here (and the favicon the error pages make Chromium ask for) are logged as failed loads.
    expectOnly(/Failed to load resource: .* 404 .*\/(nope|api\/nope|favicon\.ico)\)$/);
  });

  it('runs list: a suite in course order, finished runs with their progress, tags and a note, search, filters and sort in the URL', async () => {
    const page = await open('alice', '/');
    await page.waitForSelector('[data-testid=runs] tbody tr[data-run]');
    // The suite's four runs share a creation time: listed in the course's order.
    expect(await rowIds(page)).toEqual(suite.map((r) => r.id));
    for (const { id } of suite) expect(await page.getAttribute(`[data-run="${id}"] [role=progressbar]`, 'data-value')).toBe('100');

    // Tags and a note on the CNN, from its row.
    const cnn = suite[1].id;
    await page.click(`[data-run="${cnn}"] [data-testid=annotate]`);
    await page.fill(`[data-annotate="${cnn}"] input[name=tags]`, 'Baseline, lr:0.01');
    await page.fill(`[data-annotate="${cnn}"] textarea[name=note]`, 'the reference CNN');
    await page.click(`[data-annotate="${cnn}"] button[type=submit]`);
    await page.waitForSelector(`[data-run="${cnn}"] .tag[data-tag=baseline]`);
    expect(await h.store.get(cnn)).toMatchObject({ tags: ['baseline', 'lr:0.01'], note: 'the reference CNN' });

    // A bad tag: the API's message by the form, and nothing changes.
    await page.click(`[data-run="${suite[0].id}"] [data-testid=annotate]`);
    await page.fill(`[data-annotate="${suite[0].id}"] input[name=tags]`, 'ok, <b>');
    await page.click(`[data-annotate="${suite[0].id}"] button[type=submit]`);
    await expect(page.locator('[data-testid=annotate-error]').textContent()).resolves.toMatch(/tags\.1: .*letters, digits/);
    expect((await h.store.get(suite[0].id))!.tags).toBeUndefined();
    expectOnly(/Failed to load resource: .* 400 \(Bad Request\) \(.*\/api\/experiments\/[0-9a-f-]+\)$/);
    await page.click(`[data-annotate="${suite[0].id}"] button:has-text("Cancel")`);

    // Search: every word must match (tags and notes included); the view is in the URL.
    await page.fill('[data-testid=run-search]', 'reference');
    await until(async () => (await rowIds(page)).join() === cnn, 'the search to keep the CNN only', 10_000);
    expect(new URL(page.url()).search).toBe('?q=reference');
    await screenshot(page, 'runs-list-search-tags');
    await page.fill('[data-testid=run-search]', 'permuted');
    await until(async () => (await rowIds(page)).join() === [suite[2].id, suite[3].id].join(), 'the search to keep the permuted runs', 10_000);
    await page.selectOption('[data-testid=filter-model]', 'cnn');
    await until(async () => (await rowIds(page)).join() === suite[3].id, 'model filter', 10_000);
    expect(new URL(page.url()).search).toBe('?q=permuted&model=cnn');

    // Reloading (or sharing) the URL gives the same view.
    await page.goto(`${h.api.url}/?tag=baseline`);
    await page.waitForSelector('[data-testid=runs] tbody tr[data-run]');
    expect(await rowIds(page)).toEqual([cnn]);
    expect(await page.inputValue('[data-testid=filter-tag]')).toBe('baseline');

    // Sort by accuracy: the table's accuracies are then in descending order.
    await page.goto(`${h.api.url}/?sort=accuracy`);
    await page.waitForSelector('[data-testid=runs] tbody tr[data-run]');
    const accuracies = await page.$$eval('[data-testid=runs] tbody tr[data-run] td.num', (tds) => tds.map((td) => Number.parseFloat(td.textContent!)));
    expect(accuracies).toEqual([...accuracies].sort((a, b) => b - a));
    const csv = await download(page, '[data-testid=runs-csv]');
    expect(csv.name).toBe('runs.csv');
    expect(csv.text.split('\r\n')[0]).toMatch(/^id,name,owner,status,/);
    expect(csv.text).toContain('baseline lr:0.01,the reference CNN');
  });

  it('a TA’s runs list has an owner column and an owner filter', async () => {
    await post('bob', '/api/experiments', { preset: 'mnist-fc', dataset: 'synthetic', limit: 64, testLimit: 32, epochs: 1, name: 'bob’s run' });
    const page = await open('admin', '/');
    await page.waitForSelector('[data-testid=runs] thead th:has-text("Owner")');
    await page.waitForSelector('[data-testid=runs] [data-testid=owner]:has-text("bob")');
    await page.selectOption('[data-testid=filter-owner]', 'alice');
    await until(async () => (await page.$$eval('[data-testid=runs] [data-testid=owner]', (tds) => [...new Set(tds.map((t) => t.textContent))])).join() === 'alice', 'only alice’s runs', 10_000);
    expect(new URL(page.url()).searchParams.get('owner')).toBe('alice');
  });

  it('run page charts: smoothing over the faint raw curve, values on hover, log scale, x by step or time, CSV', async () => {
    const id = suite[1].id;
    const page = await open('alice', `/runs/${id}`);
    await page.waitForSelector('[data-testid=run-page][data-status=completed]');
    const chart = '[data-testid=loss-chart]';
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.getAttribute('data-points')) > 0, chart);
    const labels = () => page.$$eval(`${chart} .u-legend .u-series .u-label`, (els) => els.map((e) => e.textContent));

    // Smoothing: each batch curve gets an EMA drawn over its raw copy.
    await page.$eval(`${chart} input[type=range]`, (el: HTMLInputElement) => {
      el.value = '0.8';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.waitForSelector(`${chart}[data-smoothing="0.8"]`);
    // The chart is rebuilt in an effect after the render that set the attribute: wait for its legend.
    await until(async () => (await labels()).includes('train loss (batch) (smoothed)'), 'the smoothed curve in the legend', 10_000);
    expect(await labels()).toEqual(['epoch', 'train loss (batch) (raw)', 'train loss (batch) (smoothed)', 'train loss (epoch)', 'test loss (epoch)']);

    // Hover: the legend shows the values under the cursor.
    const box = (await page.locator(`${chart} .u-over`).boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
    await page.waitForFunction(
      (sel) => Array.from(document.querySelectorAll(`${sel} .u-legend .u-series .u-value`)).some((v) => /^\d+\.\d{4}$/.test(v.textContent ?? '')),
      chart,
    );
    await screenshot(page, 'run-page-smoothing-hover');

    // Log scale for loss.
    await page.check(`${chart} [data-testid=loss-chart-log]`);
    await page.waitForSelector(`${chart}[data-log="1"] .chart-canvas[data-y-scale=log]`);

    // x by step: the last batch of 2 epochs × 4 batches (256 images, batch 64) is step 8.
    await page.selectOption(`${chart} [data-testid=loss-chart-x]`, 'step');
    await page.waitForSelector(`${chart}[data-x=step]`);
    const steps = await download(page, `${chart} [data-testid=loss-chart-csv]`);
    expect(steps.name).toBe('loss.csv');
    const rows = steps.text.trim().split('\r\n');
    expect(rows[0]).toBe('step (batch),train loss (batch),train loss (epoch),test loss (epoch)');
    // Progress events are throttled (at most 4 a second), so some batches may have none; epochs end at steps 4 and 8.
    const x = rows.slice(1).map((r) => Number(r.split(',')[0]));
    expect(x.every((v, i) => Number.isInteger(v) && v >= 1 && v <= 8 && (i === 0 || v > x[i - 1]))).toBe(true);
    expect(x).toEqual(expect.arrayContaining([4, 8]));
    // x by time: seconds since the run started, increasing.
    await page.selectOption(`${chart} [data-testid=loss-chart-x]`, 'time');
    await page.waitForSelector(`${chart}[data-x=time]`);
    const times = (await download(page, `${chart} [data-testid=loss-chart-csv]`)).text.trim().split('\r\n');
    expect(times[0]).toMatch(/^seconds since start,/);
    const t = times.slice(1).map((r) => Number(r.split(',')[0]));
    expect(t.every((v, i) => v >= 0 && (i === 0 || v > t[i - 1]))).toBe(true);
  });

  it('a 390-px phone: no page scrolls sideways, and the confusion matrix scrolls inside its card', async () => {
    const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
    const id = suite[1].id;
    for (const [user, path, ready] of [
      ['alice', '/', '[data-testid=runs]'],
      ['alice', `/runs/${id}`, '[data-testid=confusion-matrix]'],
      ['alice', `/compare?ids=${suite[0].id},${id}`, '[data-testid=side-by-side]'],
      ['alice', '/submit', '[data-preset=mnist-cnn]'],
      ['admin', '/queue', '[data-testid=workers]'],
    ] as const) {
      const page = await open(user, path, phone);
      await page.waitForSelector(ready);
      const width = await page.evaluate(() => document.scrollingElement!.scrollWidth);
      expect({ path, width }).toEqual({ path, width: expect.any(Number) });
      expect(width).toBeLessThanOrEqual(390);
      if (path.startsWith('/runs/')) {
        const cm = await page.$eval('[data-testid=confusion-matrix]', (el) => ({ scroll: el.scrollWidth, client: el.clientWidth, overflow: getComputedStyle(el).overflowX }));
        expect(cm.overflow).toBe('auto');
        expect(cm.client).toBeLessThanOrEqual(390);
        await screenshot(page, 'mobile-390-run-page');
      }
      if (path === '/') await screenshot(page, 'mobile-390-runs');
    }
  });

  it('dark mode follows prefers-color-scheme: the page, its cards and its charts', async () => {
    const colours = async (scheme: 'dark' | 'light') => {
      const page = await open('alice', `/runs/${suite[1].id}`, { colorScheme: scheme });
      await page.waitForSelector('[data-testid=loss-chart] .chart-canvas[data-axis-color]');
      return {
        page,
        bg: await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor),
        card: await page.$eval('.card', (el) => getComputedStyle(el).backgroundColor),
        ink: await page.evaluate(() => getComputedStyle(document.body).color),
        axis: await page.$eval('[data-testid=loss-chart] .chart-canvas', (el) => (el as HTMLElement).dataset.axisColor!),
      };
    };
    const light = await colours('light');
    const dark = await colours('dark');
    const luminance = (colour: string) => {
      const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour);
      const [r, g, b] = hex ? hex.slice(1).map((h) => parseInt(h, 16)) : colour.match(/\d+/g)!.map(Number);
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    expect(luminance(light.bg)).toBeGreaterThan(200);
    expect(luminance(dark.bg)).toBeLessThan(40);
    expect(luminance(dark.card)).toBeLessThan(50);
    expect(luminance(dark.ink)).toBeGreaterThan(200);
    // uPlot draws its axes on the canvas in the colour it was given: the theme's --chart-axis.
    expect(luminance(dark.axis)).toBeGreaterThan(luminance(light.axis));
    await screenshot(dark.page, 'dark-run-page');
    await dark.page.goto(`${h.api.url}/compare?ids=${suite.map((r) => r.id).join(',')}`);
    await dark.page.waitForFunction(() => Number(document.querySelector('[data-testid=compare-loss]')?.getAttribute('data-points')) > 0);
    await screenshot(dark.page, 'dark-compare-page');
  });

  it('the compare page shows a queued run start, live from the socket (no reload, no polling)', async () => {
    const long = await post('alice', '/api/experiments', { preset: 'mnist-cnn', limit: 4096, testLimit: 64, name: 'long run' });
    await until(async () => (await h.store.get(long.id))!.status === 'running', 'the long run to start', 60_000);
    const waiting = await post('alice', '/api/experiments', { preset: 'mnist-fc', dataset: 'synthetic', limit: 64, testLimit: 32, epochs: 1, name: 'waiting run' });
    const page = await open('alice', `/compare?ids=${suite[0].id},${waiting.id}`);
    const sideStatus = `[data-testid=side-by-side] td[data-run="${waiting.id}"] [data-testid=status]`;
    const pickStatus = `[data-testid=pick-list] li[data-run="${waiting.id}"] [data-testid=status]`;
    const longPick = `[data-testid=pick-list] li[data-run="${long.id}"] [data-testid=status]`;
    await page.waitForSelector(`${sideStatus}:has-text("queued")`);
    await page.waitForSelector(`${longPick}:has-text("running")`);
    // From here on the list cannot refresh over HTTP: only the socket can move the statuses.
    const stale = await (await fetch(`${h.api.url}/api/experiments`, { headers: auth('alice') })).text();
    await page.context().route('**/api/experiments', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: stale }));
    const res = await fetch(`${h.api.url}/api/experiments/${long.id}/cancel`, { method: 'POST', headers: auth('alice') });
    expect(res.ok).toBe(true);
    await until(async () => (await h.store.get(long.id))!.status === 'cancelled', 'the long run to stop', 60_000);
    await page.waitForSelector(`${longPick}:has-text("cancelled")`, { timeout: 60_000 });
    await page.waitForSelector(`${sideStatus}:text-matches("running|completed")`, { timeout: 60_000 });
    await page.waitForSelector(`${pickStatus}:text-matches("running|completed")`, { timeout: 60_000 });
    await page.waitForSelector(`${sideStatus}:has-text("completed")`, { timeout: 60_000 });

    // The results table as CSV: one column per run.
    const csv = await download(page, '[data-testid=side-by-side-csv]');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe(`,1. FC2Layer,2. waiting run`);
    expect(lines.find((l) => l.startsWith('status,'))).toBe('status,completed,completed');
    expect(lines.find((l) => l.startsWith('test accuracy,'))).toMatch(/^test accuracy,\d+\.\d\d%,\d+\.\d\d%$/);
  });
});
