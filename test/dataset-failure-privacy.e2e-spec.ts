// A run that fails on a data set this server cannot use (missing, or damaged), end to end: a real
// worker process on a real DATA_DIR, a real Redis and API. The student who owns the run learns
// what happened and whom to ask, through every route and socket event that carries a record or
// an event, but never the TA's note (`adminNote`) nor a server path; an admin gets the note.
import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import { presetSpec, type ExperimentEvent, type ExperimentView } from '@trainyard/contracts';
import { auth, clientLog, subscribe, useHarness, type TestUser } from '../apps/api/testing/api-harness';
import { until } from '@trainyard/testing';
import { ensureWorkerBuilt, spawnWorker, type WorkerProcess } from './support/worker-process';

jest.setTimeout(180_000);

const h = useHarness();
let worker: WorkerProcess;

const http = () => request(h.api.url);
const get = (user: TestUser, url: string) => http().get(url).set(auth(user));

beforeAll(async () => {
  ensureWorkerBuilt();
  const dataDir = h.config.dataDir;
  // CIFAR-10 with one batch of six: incomplete, so the loader reports it missing without trying
  // a download (it downloads only when no batch is there at all), and the test needs no network.
  const partial = path.join(dataDir, 'cifar-10-batches-bin');
  fs.mkdirSync(partial, { recursive: true });
  fs.writeFileSync(path.join(partial, 'test_batch.bin'), Buffer.alloc(3073));
  // MNIST with all four files present, the training images' magic number wrong.
  const mnist = path.join(dataDir, 'mnist');
  fs.mkdirSync(mnist, { recursive: true });
  const header = (magic: number, count: number, extra: number[] = []) => {
    const words = [magic, count, ...extra];
    const buf = Buffer.alloc(words.length * 4);
    words.forEach((w, i) => buf.writeUInt32BE(w, i * 4));
    return buf;
  };
  fs.writeFileSync(path.join(mnist, 'train-images-idx3-ubyte'), Buffer.concat([header(0x1234, 1, [28, 28]), Buffer.alloc(784)]));
  fs.writeFileSync(path.join(mnist, 'train-labels-idx1-ubyte'), Buffer.concat([header(2049, 1), Buffer.from([3])]));
  fs.writeFileSync(path.join(mnist, 't10k-images-idx3-ubyte'), Buffer.concat([header(2051, 1, [28, 28]), Buffer.alloc(784)]));
  fs.writeFileSync(path.join(mnist, 't10k-labels-idx1-ubyte'), Buffer.concat([header(2049, 1), Buffer.from([7])]));

  worker = spawnWorker({ redisUrl: h.redis.url, prefix: h.config.queuePrefix, home: h.home, name: 'dataset-privacy-worker', env: { DATA_DIR: dataDir } });
  await worker.ready;
});

afterAll(async () => {
  await worker?.stop();
});

/** Fails the test if `value`, as JSON, holds the TA's note or any server directory of this stack. */
function expectNothingForTAs(value: unknown, what: string) {
  const json = JSON.stringify(value);
  for (const secret of [h.config.dataDir, h.config.artifactsDir, h.home]) {
    if (json.includes(secret)) throw new Error(`${what} shows the student the server path ${secret}: ${json}`);
  }
  if (json.includes('"adminNote"')) throw new Error(`${what} shows the student the TA's note: ${json}`);
}

/**
 * Alice submits `body` and subscribes a socket at once; waits (generously: the worker forks a
 * training process per job) for the run to fail, then subscribes a second socket. Returns the
 * run's id, the first socket's ack and live events (still collecting), and the second's ack.
 */
async function failedRun(body: object) {
  const created = await http().post('/api/experiments').set(auth('alice')).send(body);
  expect(created.status).toBe(201);
  const id = (created.body as ExperimentView).id;
  const socket = await h.connect('alice');
  const first = await subscribe(socket, id);
  await until(async () => (await h.store.get(id))?.status === 'failed', `run ${id} to fail`, 150_000);
  // And a socket that subscribes once it is over: the history alone.
  const late = await subscribe(await h.connect('alice'), id);
  return { id, first, lateAck: late.ack };
}

async function expectStudentSeesOnly(id: string, studentMessage: string, socket: { first: Awaited<ReturnType<typeof subscribe>>; lateAck: unknown }) {
  const one = await get('alice', `/api/experiments/${id}`);
  expect(one.status).toBe(200);
  expect(one.body).toMatchObject({ status: 'failed', error: studentMessage });
  expectNothingForTAs(one.body, 'GET /api/experiments/:id');

  const list = await get('alice', '/api/experiments');
  expect((list.body as ExperimentView[]).map((r) => r.id)).toContain(id);
  expectNothingForTAs(list.body, 'GET /api/experiments');

  const events = await get('alice', `/api/experiments/${id}/events`);
  // Failed at once: no retry, so no `queued` after the first.
  expect((events.body as ExperimentEvent[]).map((e) => e.type)).toEqual(['queued', 'failed']);
  expect((events.body as ExperimentEvent[]).at(-1)).toMatchObject({ type: 'failed', error: studentMessage });
  expectNothingForTAs(events.body, 'GET /api/experiments/:id/events');


  const annotated = await http().patch(`/api/experiments/${id}`).set(auth('alice')).send({ note: 'why?' });
  expect(annotated.status).toBe(200);
  expectNothingForTAs(annotated.body, 'PATCH /api/experiments/:id');

  const cancel = await http().post(`/api/experiments/${id}/cancel`).set(auth('alice'));
  expect(cancel.status).toBe(409);
  expectNothingForTAs(cancel.body, 'POST /api/experiments/:id/cancel');

  expectNothingForTAs(socket.lateAck, 'the socket history of a late subscribe');
  const { ack, live } = socket.first;
  await until(() => clientLog(ack, live).some((e) => e.type === 'failed'), 'the failed event on the socket subscribed early', 20_000);
  expect(clientLog(ack, live).at(-1)).toMatchObject({ type: 'failed', error: studentMessage });
  expectNothingForTAs({ ack, live }, 'the socket (history and live experiment:event)');
}

describe('a run on a data set this server cannot use', () => {
  it('missing (CIFAR-10 incomplete): the student reads whom to ask, the admin the note with the command', async () => {
    const run = await failedRun({ preset: 'cifar10-cnn', epochs: 1 });
    await expectStudentSeesOnly(run.id, 'CIFAR-10 is not installed on this server; ask your TA', run);

    const admin = await get('admin', `/api/experiments/${run.id}`);
    expect(admin.body.adminNote).toContain(`trainyard data fetch cifar10 --data-dir ${h.config.dataDir}`);
    expect(admin.body.adminNote).toContain('lacks data_batch_1.bin');
    const adminList = (await get('admin', '/api/experiments')).body as ExperimentView[];
    expect(adminList.find((r) => r.id === run.id)?.adminNote).toBe(admin.body.adminNote);
  });

  it('damaged (MNIST, wrong magic number): failed at once; the student reads whom to ask, the admin the file, the fault and the commands', async () => {
    const run = await failedRun({ preset: 'mnist-fc', dataset: 'mnist', epochs: 1 });
    await expectStudentSeesOnly(run.id, 'MNIST on this server is damaged or unreadable; ask your TA', run);

    const admin = await get('admin', `/api/experiments/${run.id}`);
    const file = path.join(h.config.dataDir, 'mnist', 'train-images-idx3-ubyte');
    expect(admin.body.adminNote).toContain(`${file}: wrong magic number 4660, expected 2051`);
    expect(admin.body.adminNote).toContain(`trainyard data verify --data-dir ${h.config.dataDir}`);
    expect(admin.body.adminNote).toContain(`trainyard data fetch mnist --data-dir ${h.config.dataDir}`);
  });
});

describe('every route that returns a record', () => {
  it("keeps the TA's note from a student even on a run that is not finished (cancel answers with the record)", async () => {
    // Not through the queue, so no worker takes it: a queued record that carries a note, as one
    // does when the worker stored the note but Redis refused the `failed` that follows it.
    const record = await h.store.create({ owner: 'alice', spec: presetSpec('mnist-fc', { dataset: 'synthetic' }) });
    await h.store.appendEvent(record.id, { type: 'queued', position: 1 });
    await h.store.setAdminNote(record.id, `MNIST: ${h.config.dataDir}/mnist/train-images-idx3-ubyte: truncated`);
    expectNothingForTAs((await get('alice', `/api/experiments/${record.id}`)).body, 'GET /api/experiments/:id of a queued run');

    const cancel = await http().post(`/api/experiments/${record.id}/cancel`).set(auth('alice'));
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({ id: record.id, status: 'cancelled', cancel: 'cancelled' });
    expectNothingForTAs(cancel.body, 'POST /api/experiments/:id/cancel');
    expect((await get('admin', `/api/experiments/${record.id}`)).body.adminNote).toMatch(/truncated$/);
  });
});
