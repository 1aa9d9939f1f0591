// Every pub/sub connection must hold its subscriptions after start and after
// every reconnect. Real API and worker processes on a password-protected Redis: fresh starts
// (where a SUBSCRIBE racing ioredis' ready check used to leave the connection unsubscribed), a
// Redis restart, and a real cancel of a running run through the real worker's cancel channel.
import request from 'supertest';
import { cancelChannel } from '@trainyard/experiment-store';
import { waitUntil, type ServiceProcess } from '../apps/cli/src/commands/service-process';
import { stackAuth, subscriptionsByClientName, useStack } from './support/service-stack';

jest.setTimeout(600_000);

const stack = useStack();

const FRESH_STARTS = 5;

/** The subscriber connections of one API and one worker, by the names they give Redis. */
const subscriberNames = (worker: string) => ['trainyard-api-roster', 'trainyard-api-io-sub', `trainyard-worker-cancel:${worker}`];

async function expectSubscribed(worker: string, services: ServiceProcess[], what: string) {
  let seen = new Map<string, number>();
  let numsub = 0;
  try {
    await waitUntil(
      what,
      async () => {
        seen = await subscriptionsByClientName(stack.client);
        numsub = Number(((await stack.client.pubsub('NUMSUB', cancelChannel(stack.prefix))) as [string, number])[1]);
        return numsub === 1 && subscriberNames(worker).every((n) => (seen.get(n) ?? 0) > 0);
      },
      services,
      60_000,
    );
  } catch (err) {
    // Say which connection lost what, rather than only "timed out".
    const state = subscriberNames(worker).map((n) => `${n}: ${seen.get(n) ?? 'no connection'}`).join(', ');
    throw new Error(`${(err as Error).message}; NUMSUB ${cancelChannel(stack.prefix)} = ${numsub}; subscriptions: ${state}`);
  }
}

it(`each of ${FRESH_STARTS} fresh starts of the API and a worker holds every subscription`, async () => {
  for (let i = 0; i < FRESH_STARTS; i++) {
    // 'auto', as in the demo: loading the wasm backend is what used to put SUBSCRIBE inside ioredis' handshake.
    const worker = stack.startWorker(`fresh-${i}`, { TF_BACKEND: 'auto' });
    const api = await stack.startApi(`api-fresh-${i}`);
    await expectSubscribed(`fresh-${i}`, [worker, api.service], `subscriptions after fresh start ${i}`);
    // Nothing unhandled from ioredis on the way (the symptom of the race).
    for (const s of [worker, api.service]) expect(stack.log(s)).not.toMatch(/Unhandled error event|subscriber mode/);
    await Promise.all([worker.stop(), api.service.stop()]);
  }
});

describe('one stack', () => {
  let worker: ServiceProcess;
  let api: { url: string; service: ServiceProcess };
  beforeAll(async () => {
    worker = stack.startWorker('steady');
    api = await stack.startApi('api-steady');
    await expectSubscribed('steady', [worker, api.service], 'subscriptions at start');
  });

  it('holds every subscription after Redis is killed and started again', async () => {
    await stack.redis.kill();
    await stack.redis.start();
    await expectSubscribed('steady', [worker, api.service], 'subscriptions after a Redis restart');
  });

  it('cancelling a running run stops the real worker, which records `cancelled`', async () => {
    // Long enough that it cannot finish on its own within the bounds below.
    const spec = { preset: 'mnist-fc', dataset: 'synthetic', epochs: 30, limit: 4096, testLimit: 64 };
    const created = await request(api.url).post('/api/experiments').set(stackAuth('alice')).send(spec);
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const status = async () => (await request(api.url).get(`/api/experiments/${id}`).set(stackAuth('alice'))).body.status as string;
    await waitUntil('the run to be running', async () => (await status()) === 'running', [worker, api.service], 120_000);
    const cancel = await request(api.url).post(`/api/experiments/${id}/cancel`).set(stackAuth('alice'));
    expect(cancel.status).toBe(202);
    await waitUntil('the worker to record the cancel', async () => (await status()) === 'cancelled', [worker, api.service], 60_000);
    const events = (await request(api.url).get(`/api/experiments/${id}/events`).set(stackAuth('alice'))).body as { type: string }[];
    expect(events.map((e) => e.type)).not.toContain('completed');
    expect(events.at(-1)?.type).toBe('cancelled');
  });
});
