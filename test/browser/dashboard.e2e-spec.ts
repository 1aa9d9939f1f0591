// The dashboard in headless Chromium against the real API (in-process), a real worker process
// training with TF.js, and a real Redis: what a student and a TA see and do.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { resolveExperimentRequest, SpecValidationError, type ValidationIssue } from '@trainyard/contracts';
import { TOKENS, type Harness, type TestUser } from '../../apps/api/testing/api-harness';
import { until } from '@trainyard/testing';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { describeInBrowser, collectErrors, reportCspViolations, screenshot } from './support/browser';
import { startBrowserStack, type BrowserStack } from './support/browser-stack';

jest.setTimeout(240_000);

interface Session {
  context: BrowserContext;
  page: Page;
  errors: string[];
}

describeInBrowser('dashboard (browser e2e)', () => {
  let stack: BrowserStack;
  let h: Harness;
  let browser: Browser;
  let sessions: Session[] = [];
  /** The mnist-cnn run alice submits in the first test; later tests build on it. */
  let firstRun: string;

  beforeAll(async () => {
    stack = await startBrowserStack();
    ({ h, browser } = stack);
  });

  afterAll(() => stack?.close());

  afterEach(async () => {
    const errors = sessions.flatMap((s) => s.errors);
    await Promise.all(sessions.map((s) => s.context.close()));
    sessions = [];
    expect(errors).toEqual([]);
  });

  async function signIn(user: TestUser, path = '/'): Promise<Session> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // A CSP violation is a console error, so afterEach fails on any (the API's policy: security-headers.ts).
    await reportCspViolations(context);
    const page = await context.newPage();
    const session = { context, page, errors: collectErrors(page) };
    sessions.push(session);
    await page.goto(`${h.api.url}${path}`);
    await page.fill('#token', TOKENS[user]);
    await page.click('button[type=submit]');
    await page.waitForSelector(`[data-testid=who]:has-text("${user}")`);
    return session;
  }

  const runIdOf = (page: Page) => new URL(page.url()).pathname.split('/').pop()!;

  it('the API serves the dashboard at / and its client routes, and nothing else changes', async () => {
    const get = (path: string) => fetch(`${h.api.url}${path}`);
    for (const path of ['/', '/submit', '/compare?ids=a,b', '/queue', '/runs/abc-123']) {
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toContain('<div id="app">');
    }
    // The pages below run under the dashboard's strict policy (and afterEach fails on any violation).
    expect((await get('/')).headers.get('content-security-policy')).toMatch(/(^|;)\s*script-src 'self'\s*(;|$)/);
    const html = await (await get('/')).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1];
    const asset = await get(script);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await get('/health')).headers.get('content-type')).toContain('application/json');
    expect((await get('/api/experiments')).status).toBe(401);
    expect((await get('/runs/a/b')).status).toBe(404);
    expect((await get('/admin/queues')).status).toBe(401);
  });

  it('a student signs in, submits mnist-cnn on a small limit, and watches the progress bar move and the curve draw', async () => {
    const { page } = await signIn('alice');
    await page.click('nav >> text=Submit');
    await page.click('[data-preset=mnist-cnn]');
    await page.fill('#field-epochs', '2');
    await page.fill('#field-limit', '256');
    await page.fill('#field-testLimit', '128');
    await page.click('[data-testid=submit]');
    await page.waitForURL(/\/runs\/[A-Za-z0-9_-]+$/);
    firstRun = runIdOf(page);

    // Sample the bar while the worker trains: it must show values between empty and full.
    const seen = new Set<number>();
    await page.waitForFunction(
      () => document.querySelector('[data-testid=run-page]')?.getAttribute('data-status') === 'running',
      undefined,
      { timeout: 60_000 },
    );
    while ((await page.getAttribute('[data-testid=run-page]', 'data-status')) === 'running') {
      const value = await page.getAttribute('[role=progressbar]', 'data-value').catch(() => null);
      if (value !== null) seen.add(Number(value));
      await page.waitForTimeout(100);
    }
    const between = [...seen].filter((v) => v > 0 && v < 100);
    expect(between.length).toBeGreaterThanOrEqual(2);
    expect(Number(await page.getAttribute('[data-testid=loss-chart]', 'data-points'))).toBeGreaterThanOrEqual(4);
    expect(await page.locator('[data-testid=loss-chart] canvas').count()).toBeGreaterThan(0);
    await expect(page.locator('[data-testid=progress]').textContent()).resolves.toMatch(/epoch 2\/2.*batch 4\/4.*loss \d/);
  });

  it('reaches the completed result with its confusion matrix, per-class accuracy and parameters', async () => {
    const { page } = await signIn('alice', `/runs/${firstRun}`);
    await page.waitForSelector('[data-testid=run-page][data-status=completed]', { timeout: 120_000 });
    await page.waitForSelector('[data-testid=confusion-matrix]');
    const cells = await page.$$eval('[data-testid=confusion-matrix] td.cm-cell', (tds) => tds.map((td) => Number(td.textContent || 0)));
    expect(cells).toHaveLength(100);
    expect(cells.reduce((a, b) => a + b, 0)).toBe(128);
    expect(await page.locator('[data-testid=per-class] li').count()).toBe(10);
    await expect(page.locator('[data-testid=params]').textContent()).resolves.toContain('6,422');
    await expect(page.locator('[data-testid=backend]').textContent()).resolves.toContain('cpu');
    await expect(page.locator('[data-testid=test-accuracy]').textContent()).resolves.toMatch(/\d+\.\d\d%/);
    expect(await page.locator('[data-testid=samples] canvas').count()).toBe(40);
    // Every event arrived once, in order: as many events as the last seq.
    const footer = page.locator('[data-testid=feed-footer]');
    expect(await footer.getAttribute('data-count')).toBe(await footer.getAttribute('data-last-seq'));
    expect(Number(await footer.getAttribute('data-last-seq'))).toBe((await h.store.get(firstRun))!.lastSeq);
    await screenshot(page, 'run-page');

    // The trained model: model.json and the weights it lists, fetched with the token.
    const downloads: string[] = [];
    page.on('download', (d) => downloads.push(d.suggestedFilename()));
    await page.click('[data-testid=download-model]');
    await page.waitForSelector('text=Saved model.json and 1 weights file');
    expect(downloads).toEqual(['model.json', expect.stringMatching(/\.bin$/)]);
  });

  it('lists the runs from HTTP first, without waiting for the socket', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // No socket at all: the list must paint anyway (the console errors of the refused socket are expected here).
    await context.route('**/socket.io/**', (route) => route.abort());
    await context.addInitScript((token) => localStorage.setItem('trainyard.token', token), TOKENS.alice);
    const page = await context.newPage();
    await page.goto(`${h.api.url}/`);
    await page.waitForSelector(`[data-run="${firstRun}"][data-status=completed]`);
    await expect(page.locator(`[data-run="${firstRun}"]`).textContent()).resolves.toMatch(/CNN.*completed.*\d+\.\d\d%/);
    await context.close();
  });

  it('compares two runs: re-run with shuffle off, overlaid curves and the results side by side', async () => {
    const { page } = await signIn('alice', `/compare?ids=${firstRun}`);
    await page.waitForSelector('[data-testid=one-change]');
    await page.selectOption('[data-testid=one-change] select[name=change]', 'shuffle');
    await page.click('[data-testid=one-change-submit]');
    await page.waitForURL(new RegExp(`/compare\\?ids=${firstRun},[A-Za-z0-9_-]+$`));
    const second = new URL(page.url()).searchParams.get('ids')!.split(',')[1];
    expect((await h.store.get(second))!.spec).toMatchObject({ shuffle: false, name: 'CNN [shuffle off]', limit: 256 });

    await page.waitForFunction(
      () => {
        const statuses = Array.from(document.querySelectorAll('[data-testid=side-by-side] [data-testid=status]'));
        return statuses.length === 2 && statuses.every((s) => s.textContent === 'completed');
      },
      undefined,
      { timeout: 120_000 },
    );
    const table = (await page.locator('[data-testid=side-by-side]').textContent())!;
    expect(table).toContain('CNN [shuffle off]');
    expect(table).toMatch(/differs from run 1.*shuffle/);
    expect((table.match(/\d+\.\d\d%/g) ?? []).length).toBeGreaterThanOrEqual(2);
    // Both runs' curves in one chart: one legend entry and 8 batches (2 epochs × 4) each.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=compare-loss]')?.getAttribute('data-points')) === 16);
    // The legend is live (values under the cursor): its first entry is the x-axis, then one per run.
    expect(await page.locator('[data-testid=compare-loss] .u-legend .u-series .u-label').allTextContents()).toEqual(['epoch', '1. CNN', '2. CNN [shuffle off]']);
    await expect(page.locator('[data-testid=course-table] [data-preset=mnist-cnn]').textContent()).resolves.toMatch(/96\.15%.*\d+\.\d\d%/);
    await screenshot(page, 'compare-page');

    await page.click('nav >> text=My runs');
    await page.waitForSelector(`[data-run="${second}"][data-status=completed]`);
    await screenshot(page, 'runs-page');
  });

  it('shows the API’s own validation message next to a bad field, and sends nothing', async () => {
    const { page } = await signIn('alice', '/submit');
    await page.click('[data-preset=mnist-fc]');
    await page.fill('#field-batchSize', '0');
    const shown = (await page.locator('[data-field=batchSize] .field-errors').textContent())!;

    const draft = { ...resolveExperimentRequest({ preset: 'mnist-fc' }), batchSize: 0 };
    const res = await fetch(`${h.api.url}/api/experiments`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKENS.alice}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(draft),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { issues: ValidationIssue[] };
    expect(body.issues).toEqual([{ path: 'batchSize', message: shown }]);
    expect(() => resolveExperimentRequest(draft)).toThrow(SpecValidationError);
    expect(await page.isDisabled('[data-testid=submit]')).toBe(true);

    await screenshot(page, 'submit-validation');
    await page.fill('#field-batchSize', '64');
    expect(await page.locator('[data-field=batchSize] .field-errors').count()).toBe(0);
    expect(await page.isDisabled('[data-testid=submit]')).toBe(false);

    await page.click('text=Sign out');
    await page.waitForSelector('#token');
    expect(await page.evaluate(() => localStorage.getItem('trainyard.token'))).toBeNull();
  });

  it('a student cannot open another student’s run page', async () => {
    const { page } = await signIn('bob', `/runs/${firstRun}`);
    await page.waitForSelector('[data-testid=run-not-found]');
    expect(await page.locator('[data-testid=run-page]').count()).toBe(0);
    await page.click('nav >> text=My runs');
    await page.waitForSelector('text=No runs yet');
    expect(await page.locator(`[data-run="${firstRun}"]`).count()).toBe(0);
  });

  it('keeps drawing through an API restart: reconnects, re-subscribes, no gap and no duplicate', async () => {
    // An API of this test's own, so it can stop and come back on the same port.
    let api = await createApiApp(h.config);
    await api.listen(0, '127.0.0.1');
    const port = Number(new URL(await api.getUrl()).port);
    const url = `http://127.0.0.1:${port}`;
    const res = await fetch(`${url}/api/experiments`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKENS.alice}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ preset: 'mnist-cnn', name: 'restart', limit: 640, testLimit: 64, epochs: 1 }),
    });
    const { id } = (await res.json()) as { id: string };

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript((token) => localStorage.setItem('trainyard.token', token), TOKENS.alice);
    const page = await context.newPage();
    const errors = collectErrors(page);
    try {
      await page.goto(`${url}/runs/${id}`);
      await page.waitForFunction(() => Number(document.querySelector('[role=progressbar]')?.getAttribute('data-value')) > 0, undefined, { timeout: 60_000 });

      await api.close();
      await page.waitForSelector('[data-testid=feed-status]:has-text("reconnecting")');
      const seqWhileDown = (await h.store.get(id))!.lastSeq;
      // The worker goes on training and recording while no API is up.
      await until(async () => (await h.store.get(id))!.lastSeq > seqWhileDown, 'events while the API is down', 30_000);
      api = await createApiApp(h.config);
      await api.listen(port, '127.0.0.1');

      await page.waitForSelector('[data-testid=feed-status]:has-text("live")', { timeout: 30_000 });
      await page.waitForSelector('[data-testid=run-page][data-status=completed]', { timeout: 120_000 });
      const footer = page.locator('[data-testid=feed-footer]');
      const stored = await h.store.events(id);
      expect(Number(await footer.getAttribute('data-last-seq'))).toBe(stored.length);
      expect(Number(await footer.getAttribute('data-count'))).toBe(stored.length);
      // The loss chart: a point per progress event, and train and test loss per epoch.
      const count = (type: string) => stored.filter((e) => e.type === type).length;
      expect(Number(await page.getAttribute('[data-testid=loss-chart]', 'data-points'))).toBe(count('progress') + 2 * count('epoch'));
    } finally {
      await context.close();
      await api.close();
    }
    // While the API was down the browser logged its refused connections; nothing else may fail.
    expect(errors.filter((e) => !/ERR_CONNECTION_REFUSED|WebSocket connection to .* failed/.test(e))).toEqual([]);
  });

  it('a TA sees the whole queue, each worker with its current job, and cancels from there', async () => {
    const long = { preset: 'mnist-cnn', limit: 4096, testLimit: 64, epochs: 1 };
    const running = await h.store.get((await submitAs('bob', { ...long, name: 'bob long run' })).id);
    const queued = await submitAs('bob', { ...long, name: 'bob waiting run' });
    const later = await submitAs('bob', { ...long, name: 'bob later run' });
    await until(async () => (await h.store.get(running!.id))!.status === 'running', 'the first run to start', 60_000);

    const { page } = await signIn('admin', '/queue');
    await page.waitForSelector('[data-testid=workers] [data-worker=gpu-0][data-busy=yes]:has-text("bob long run")');
    await expect(page.locator('[data-testid=workers] [data-worker=gpu-0]').textContent()).resolves.toContain('cpu');
    const rows = page.locator('[data-testid=queue] tbody tr');
    await expect(rows.count()).resolves.toBe(3);
    await expect(rows.nth(0).textContent()).resolves.toMatch(/^▶bob long run.*bob.*running/);
    await expect(rows.nth(1).textContent()).resolves.toMatch(/^1bob waiting run.*bob.*queued/);
    await expect(rows.nth(2).textContent()).resolves.toMatch(/^2bob later run.*bob.*queued/);
    await screenshot(page, 'queue-page');

    // Raising the later run puts it first in the queue, for the API and on the page.
    await page.click(`[data-testid=queue] [data-run="${later.id}"] [data-testid=raise]`);
    await until(async () => (await rows.nth(1).textContent())?.includes('bob later run') ?? false, 'the raised run to move up', 15_000);
    const job = await h.queue.getJob(later.id);
    expect(job?.priority).toBe(1);

    for (const id of [queued.id, later.id, running!.id]) {
      await page.click(`[data-testid=queue] [data-run="${id}"] button:has-text("Cancel")`);
    }
    await until(async () => (await h.store.get(queued.id))!.status === 'cancelled', 'the queued run cancelled', 30_000);
    await until(async () => (await h.store.get(later.id))!.status === 'cancelled', 'the raised run cancelled', 30_000);
    await until(async () => (await h.store.get(running!.id))!.status === 'cancelled', 'the running run cancelled', 60_000);
    await page.waitForSelector('[data-testid=queue] tbody tr', { state: 'detached', timeout: 15_000 });
  });

  async function submitAs(user: TestUser, body: Record<string, unknown>): Promise<{ id: string }> {
    const res = await fetch(`${h.api.url}/api/experiments`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKENS[user]}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string };
  }
});
