// Property-based (fast-check) tests of the HTTP layer, through the real app and a real Redis: any
// JSON body (arbitrary JSON, near-valid specs with mutated fields, prototype keys; see
// libs/testing/src/hostile-bodies.ts) to POST /api/experiments or POST /api/suites/week2-mnist answers
// 201 or a 4xx, never a 5xx, and a 4xx records and enqueues nothing. numRuns keeps each property
// well under 60 s on a busy 2-core machine (a request and three counts take a few ms).
import fc from 'fast-check';
import request from 'supertest';
import type { ValidationIssue } from '@trainyard/contracts';
import { auth, useHarness } from '../apps/api/testing/api-harness';
import { anyBody, withPrototypeKey } from '@trainyard/testing';

jest.setTimeout(180_000);

const h = useHarness();

/** Jobs in the queue in any state, and experiment records (the store's index, read as an admin). */
async function enqueued() {
  const counts = await h.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'paused', 'completed', 'failed');
  const jobs = Object.values(counts).reduce((a, b) => a + b, 0);
  const records = (await request(h.api.url).get('/api/experiments').set(auth('admin'))).body.length as number;
  return { jobs, records };
}

const post = (url: string, raw: string) => request(h.api.url).post(url).set(auth('alice')).set('Content-Type', 'application/json').send(raw);

describe.each([
  ['/api/experiments', 1, 400],
  ['/api/suites/week2-mnist', 4, 150],
])('POST %s with any JSON body (property)', (url, perSubmit, numRuns) => {
  it('answers 201 or a 4xx, never a 5xx; a 4xx enqueues nothing, a 201 exactly what it returns', async () => {
    let created = 0;
    await fc.assert(
      fc.asyncProperty(anyBody, async (raw) => {
        const before = await enqueued();
        const res = await post(url, raw);
        const after = await enqueued();
        if (res.status === 201) {
          created++;
          expect(after).toEqual({ jobs: before.jobs + perSubmit, records: before.records + perSubmit });
        } else {
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
          expect(res.body.statusCode).toBe(res.status);
          expect(after).toEqual(before);
        }
      }),
      { numRuns },
    );
    // Both branches ran: the near-valid bodies are valid often enough to exercise the 201 path.
    expect(created).toBeGreaterThan(0);
    expect(created).toBeLessThan(numRuns);
  });

  it('answers 400 to every body with a prototype key, naming it, and enqueues nothing', async () => {
    await fc.assert(
      fc.asyncProperty(withPrototypeKey, async (raw) => {
        const before = await enqueued();
        const res = await post(url, raw);
        expect(res.status).toBe(400);
        expect(res.body.issues.some((i: ValidationIssue) => /(^|\.)(__proto__|constructor|prototype)$/.test(i.path) && i.message === 'forbidden key')).toBe(true);
        expect(await enqueued()).toEqual(before);
      }),
      { numRuns: Math.ceil(numRuns / 3) },
    );
  });
});
