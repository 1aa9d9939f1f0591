// The submit form shows a run's estimated time before it is queued, in headless Chromium against
// the real API, a real worker process (backend cpu) and a real Redis: nothing measured yet, then
// measured (written through ThroughputStore.record, as the worker's handler does after a run), then
// over the class's MAX_JOB_MINUTES (60 by default), which the form names and refuses to send.
import type { Browser } from 'playwright-core';
import { presetSpec, runWork } from '@trainyard/contracts';
import { ThroughputStore } from '@trainyard/training-queue';
import type { Harness } from '../../apps/api/testing/api-harness';
import { describeInBrowser } from './support/browser';
import { startBrowserStack, type BrowserStack } from './support/browser-stack';
import { signedInPages } from './support/signed-in-pages';

jest.setTimeout(300_000);

describeInBrowser('the submit form’s estimate (browser e2e)', () => {
  let stack: BrowserStack;
  let h: Harness;
  let browser: Browser;
  let throughput: ThroughputStore;
  const { open, afterEachTest } = signedInPages(() => ({ browser, apiUrl: h.api.url }));

  beforeAll(async () => {
    stack = await startBrowserStack();
    ({ h, browser } = stack);
    throughput = new ThroughputStore(h.client, { prefix: h.config.queuePrefix });
  });
  afterAll(() => stack?.close());
  afterEach(() => afterEachTest());

  it('shows the estimate as the student edits, with the limit; over it, names both and will not submit', async () => {
    const page = await open('alice', '/submit');
    const estimate = page.locator('[data-testid=estimate]');
    await page.waitForSelector('[data-testid=estimate][data-basis=none]');
    expect(await estimate.textContent()).toBe('Estimated time: no worker has measured this yet. The class’s limit of 60 min a run is not applied to it.');

    // The live worker trains on cpu: a measurement of the cnn there, 10 epochs of the bundled digits taking 12 minutes.
    await throughput.record('cnn', 'cpu', 64, runWork(presetSpec('mnist-cnn', { epochs: 10 })).flops / (12 * 60));
    await page.fill('#field-epochs', '10');
    await page.waitForSelector('[data-testid=estimate][data-basis=measured]');
    expect(await estimate.textContent()).toBe('Estimated time: about 12 min (measured on cpu). The class allows at most 60 min a run.');
    expect(await page.isDisabled('[data-testid=submit]')).toBe(false);

    // VGG measured at 17 h for 10 CIFAR-10 epochs.
    await throughput.record('vgg16', 'cpu', 128, runWork(presetSpec('cifar10-vgg16', { epochs: 10 })).flops / (17 * 3600));
    await page.click('[data-preset=cifar10-vgg16]');
    await page.fill('#field-epochs', '10');
    await page.waitForSelector('[data-testid=estimate][data-over=true]');
    expect(await estimate.textContent()).toBe('Estimated time: about 17 h 00 min (measured on cpu). The class allows at most 60 min a run.');
    const epochsError = page.locator('.form-row[data-field=epochs] .field-errors');
    expect(await epochsError.textContent()).toMatch(/^estimated to take about 17 h 00 min \(measured on cpu\) .*at most 60 min per job in this class/);
    expect(await page.isDisabled('[data-testid=submit]')).toBe(true);

    // One epoch on half the images fits (about 54 min), and may be sent.
    await page.fill('#field-epochs', '1');
    await page.fill('#field-limit', '25000');
    await page.waitForSelector('[data-testid=estimate][data-over=false]');
    expect(await page.isDisabled('[data-testid=submit]')).toBe(false);
  });

  it('tells an exempt TA the estimate without the limit', async () => {
    const page = await open('admin', '/submit');
    await page.click('[data-preset=cifar10-vgg16]');
    await page.waitForSelector('[data-testid=estimate][data-basis=measured]');
    expect(await page.locator('[data-testid=estimate]').textContent()).toMatch(/^Estimated time: about \d+ h \d+ min \(measured on cpu\)\. You are exempt from the class’s time limit\.$/);
  });
});
