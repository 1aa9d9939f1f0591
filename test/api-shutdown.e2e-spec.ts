// The API's SIGTERM drains its sockets; clients reconnect and miss nothing. A real API
// process is stopped with SIGTERM mid-run and started again on the same port, while the CLI's
// watcher follows a run trained by a real worker; the watcher must end holding exactly the stored
// history, seq 1..n with no gap and no repeat.
import request from 'supertest';
import type { ExperimentEvent } from '@trainyard/contracts';
import { watchExperiments } from '../apps/cli/src/api/experiment-watcher';
import { startService, waitUntil, API_MAIN, type ServiceProcess } from '../apps/cli/src/commands/service-process';
import { STACK_TOKENS, stackAuth, useStack } from './support/service-stack';
import * as path from 'node:path';

jest.setTimeout(600_000);

const stack = useStack();

it('SIGTERM: the API exits 0 after draining, and a watching client misses nothing across the restart', async () => {
  const worker = stack.startWorker('shutdown-worker');
  const first = await stack.startApi('api-before');
  const port = new URL(first.url).port;
  const created = await request(first.url)
    .post('/api/experiments')
    .set(stackAuth('alice'))
    .send({ preset: 'mnist-fc', dataset: 'synthetic', epochs: 20, limit: 4096, testLimit: 64 });
  expect(created.status).toBe(201);
  const id = created.body.id as string;

  const seen: ExperimentEvent[] = [];
  const watcher = watchExperiments(first.url, STACK_TOKENS.alice, [id], (e) => seen.push(e));
  try {
    await waitUntil('the first epoch to reach the watcher', async () => seen.some((e) => e.type === 'epoch'), [worker, first.service], 180_000);

    // Still running: what follows must come through the restarted API.
    expect(seen.some((e) => e.type === 'completed')).toBe(false);
    first.service.child.kill('SIGTERM');
    expect(await first.service.exited).toBe(0);
    expect(stack.log(first.service)).toMatch(/SIGTERM: draining/);

    // The same address again, as a restarted instance (or another one behind the proxy) would be.
    const again: ServiceProcess = startService('api-after', API_MAIN, { ...stack.env, PORT: port }, path.join(stack.home, 'logs'));
    stack.services.push(again);
    const finals = await watcher.done;
    expect(finals.get(id)?.type).toBe('completed');

    const stored = (await request(first.url).get(`/api/experiments/${id}/events`).set(stackAuth('alice'))).body as ExperimentEvent[];
    expect(seen.map((e) => e.seq)).toEqual(stored.map((e) => e.seq));
    expect(seen.map((e) => e.seq)).toEqual(stored.map((_, i) => i + 1));
  } finally {
    watcher.close();
  }
});
