// Checkpoints and resume. A run that is interrupted (SIGTERM of its worker, or SIGKILL)
// resumes on another worker from its last checkpoint and ends exactly as an uninterrupted run of
// the same spec and seed: same test accuracy, same weights (the saved model's bytes). The history
// gains a `resumed` event, holds each epoch once, and its seq stays contiguous; the checkpoint is
// gone once the run has finished. Real API, Redis and worker processes; ARTIFACTS_DIR is shared by
// the workers, as a network filesystem would be.
import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import type { ExperimentEvent } from '@trainyard/contracts';
import { waitUntil, type ServiceProcess } from '../apps/cli/src/commands/service-process';
import { spawnStackWorker, stackAuth, startStack, type Stack } from './support/service-stack';
import { ensureWorkerBuilt, type WorkerProcess } from './support/worker-process';

jest.setTimeout(900_000);

// Several epochs, so that an interruption lands in the middle of the run.
// Small batches, so that 4 short epochs are enough SGD steps to learn (an accuracy well above chance),
// but 24 rather than 16: two threads' shards of 12 images carry enough work for the trainer to
// share them (data-parallel MIN_SHARD_TRAINING_FLOPS), and 8 would not.
const SPEC = { preset: 'mnist-cnn', dataset: 'mnist-bundled', epochs: 4, limit: 512, batchSize: 24, testLimit: 500, seed: 7 };
// A short lock, so that a job whose worker was killed outright is found stalled within seconds.
const LOCK = { lockDuration: 3000, stalledInterval: 1500 };
// Two data-parallel threads: a run is deterministic for its seed and thread count, so a run
// resumed on another worker must still end byte-identical to the uninterrupted one.
const THREADS = { TRAIN_THREADS: '2' };

let stack: Stack;
let api: { url: string; service: ServiceProcess };
const workers: WorkerProcess[] = [];
beforeAll(async () => {
  ensureWorkerBuilt();
  stack = await startStack();
  api = await stack.startApi('resume-api');
});
// Each test starts its own workers: none may linger into the next (a leftover would take its job).
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop('SIGKILL')));
});
afterAll(async () => {
  await stack?.close();
});

let n = 0;
function worker(): WorkerProcess {
  const name = `resume-w${++n}`;
  const w = spawnStackWorker(stack, name, LOCK, THREADS);
  workers.push(w);
  return w;
}

const get = (id: string) => request(api.url).get(`/api/experiments/${id}`).set(stackAuth('alice'));
const history = async (id: string) => (await request(api.url).get(`/api/experiments/${id}/events`).set(stackAuth('alice'))).body as ExperimentEvent[];
async function submit(): Promise<string> {
  const res = await request(api.url).post('/api/experiments').set(stackAuth('alice')).send(SPEC);
  expect(res.status).toBe(201);
  return res.body.id as string;
}
const completed = (id: string) => waitUntil(`${id} to complete`, async () => (await get(id)).body.status === 'completed', [api.service], 300_000);
const epochsStored = async (id: string) => (await history(id)).filter((e) => e.type === 'epoch').length;
/** The saved model's weights, byte for byte. */
function weights(id: string): Buffer {
  const dir = path.join(stack.env.ARTIFACTS_DIR!, id);
  const model = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
  return Buffer.concat(model.weightsManifest.flatMap((g) => g.paths).map((p) => fs.readFileSync(path.join(dir, p))));
}

function expectCleanHistory(events: ExperimentEvent[]) {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  const epochs = events.flatMap((e) => (e.type === 'epoch' ? [e.epoch] : []));
  expect(epochs).toEqual([1, 2, 3, 4]);
  // Each batch once: the curves have no point twice.
  const points = events.flatMap((e) => (e.type === 'progress' ? [`${e.epoch}.${e.batch}`] : []));
  expect(new Set(points).size).toBe(points.length);
  expect(events.filter((e) => e.type === 'completed')).toHaveLength(1);
}

let reference: { accuracy: number; weights: Buffer };

it('an uninterrupted run: the reference', async () => {
  const w = worker();
  await w.ready;
  const id = await submit();
  await completed(id);
  const events = await history(id);
  expectCleanHistory(events);
  expect(events.some((e) => e.type === 'resumed')).toBe(false);
  reference = { accuracy: (await get(id)).body.result.testAccuracy, weights: weights(id) };
  // The threads were really used (the training process's log reaches the worker's).
  expect(w.logs.some((l) => /training on 2 data-parallel replicas/.test(l.msg ?? ''))).toBe(true);
});

it.each([
  ['SIGTERM', 1],
  ['SIGKILL', 2],
] as const)('after %s of its worker past epoch %i, the run resumes on another worker and ends exactly like the reference', async (signal, afterEpoch) => {
  const first = worker();
  await first.ready;
  const id = await submit();
  await waitUntil(`epoch ${afterEpoch} of ${id}`, async () => (await epochsStored(id)) >= afterEpoch, [api.service], 300_000);
  expect((await get(id)).body).toMatchObject({ status: 'running', worker: first.name });
  await first.stop(signal);

  const second = worker();
  await second.ready;
  await completed(id);
  const events = await history(id);
  expectCleanHistory(events);
  const resumed = events.filter((e) => e.type === 'resumed');
  expect(resumed.length).toBe(1);
  expect(resumed[0]).toMatchObject({ fromEpoch: expect.any(Number) });

  const result = (await get(id)).body.result;
  // For the record (the closing note quotes it): the two accuracies side by side.
  console.log(`${signal} after epoch ${afterEpoch}: resumed ${result.testAccuracy}, uninterrupted ${reference.accuracy}`);
  expect(result.testAccuracy).toBe(reference.accuracy);
  expect(weights(id).equals(reference.weights)).toBe(true);
  // Finished: its checkpoint goes (just after the record says completed).
  await waitUntil('the checkpoint to be deleted', async () => !fs.existsSync(path.join(stack.env.ARTIFACTS_DIR!, id, 'checkpoint')), [api.service], 60_000);
});
