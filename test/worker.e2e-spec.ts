import * as fs from 'node:fs';
import * as path from 'node:path';
import { QueueEvents } from 'bullmq';
import { resolveExperimentRequest, type ExperimentEvent } from '@trainyard/contracts';
import { QueueName, TrainingQueue } from '@trainyard/training-queue';
import { bullConnectionOptions } from '@trainyard/redis';
import { hasEvent, oneToN, seqs, submitExperiment, waitForEvents, waitForStatus } from './support/experiments';
import { useWorkerTestBed } from './support/worker-test-bed';

// Real worker processes (built JS), a real redis-server, the real trainer on synthetic data.
// Sizes are kept tiny: the machine is shared. A "long" job trains many small batches, so it
// outlasts a short lock and leaves time to cancel or SIGTERM it mid-run.
const SHORT = { preset: 'mnist-fc', dataset: 'synthetic', limit: 200, testLimit: 100, batchSize: 50 };
const LONG = { preset: 'mnist-fc', dataset: 'synthetic', limit: 5000, testLimit: 100, batchSize: 10, epochs: 12 };

// Bounds are generous and every wait is on an event or a condition, never a fixed sleep: the
// suite must pass on a busy 2-core machine, where one run can take minutes.
const WAIT_MS = 180_000;
jest.setTimeout(2 * WAIT_MS);

describe('training worker (e2e)', () => {
  const bed = useWorkerTestBed({ waitMs: WAIT_MS });
  const { startWorker, finishedJob } = bed;
  const typesOf = (events: ExperimentEvent[]) => events.map((e) => e.type);
  const startedBy = (events: ExperimentEvent[]) => events.flatMap((e) => (e.type === 'started' ? [e.worker] : []));

  it('runs a job to completed, with every event seq-contiguous in the store', async () => {
    await startWorker('w1');
    const { id } = await submitExperiment(bed.queue, bed.store, SHORT);
    const events = await waitForStatus(bed.store, id, 'completed', WAIT_MS);

    expect(seqs(events)).toEqual(oneToN(events.length));
    expect(typesOf(events)[0]).toBe('queued');
    expect(typesOf(events).slice(1, 3)).toEqual(['started', 'progress']);
    expect(typesOf(events).slice(-2)).toEqual(['epoch', 'completed']);
    expect(startedBy(events)).toEqual(['w1']);
    const record = await bed.store.get(id);
    expect(record).toMatchObject({ status: 'completed', worker: 'w1', lastSeq: events.length });
    expect(record!.result!.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(record!.result!.testAccuracy).toBeLessThanOrEqual(1);
    expect(fs.existsSync(path.join(bed.home, 'artifacts', id, 'model.json'))).toBe(true);
    const job = await finishedJob(id);
    expect(await job.getState()).toBe('completed');
  });

  it('keeps its job lock while training outlasts lockDuration (no stall, one attempt)', async () => {
    // Short, so that even on a fast machine the run outlasts it several times over.
    const lockDuration = 1000;
    await startWorker('w1', { workerOptions: { lockDuration, stalledInterval: 500 } });
    const queueEvents = new QueueEvents(QueueName.Training, { connection: bullConnectionOptions(bed.redisServer.url, 'worker'), prefix: bed.prefix });
    const stalled: string[] = [];
    queueEvents.on('stalled', ({ jobId }) => stalled.push(jobId));
    await queueEvents.waitUntilReady();
    try {
      const { id } = await submitExperiment(bed.queue, bed.store, LONG);
      const events = await waitForStatus(bed.store, id, 'completed', WAIT_MS);
      const job = await finishedJob(id);
      expect(stalled).toEqual([]);
      expect(job.attemptsStarted).toBe(1);
      expect(job.stalledCounter).toBe(0);
      // The test means something only if the job ran for several lock periods.
      expect(job.finishedOn! - job.processedOn!).toBeGreaterThan(3 * lockDuration);
      expect(startedBy(events)).toEqual(['w1']);
      expect(seqs(events)).toEqual(oneToN(events.length));
    } finally {
      await queueEvents.close();
    }
  });

  it('cancels a running job: stops between batches, records cancelled, completes the job without retry', async () => {
    await startWorker('w1');
    const { id } = await submitExperiment(bed.queue, bed.store, LONG);
    await waitForEvents(bed.store, id, hasEvent('progress'), WAIT_MS);
    await bed.store.requestCancel(id);
    const events = await waitForStatus(bed.store, id, 'cancelled', WAIT_MS);

    expect(typesOf(events).at(-1)).toBe('cancelled');
    expect(typesOf(events)).not.toContain('completed');
    expect(seqs(events)).toEqual(oneToN(events.length));
    const job = await finishedJob(id);
    expect(await job.getState()).toBe('completed');
    expect(job.returnvalue).toMatchObject({ outcome: 'cancelled' });
    expect(job.attemptsStarted).toBe(1);
    expect(job.failedReason).toBeUndefined();
    // Nothing follows the terminal event, even though the worker was mid-epoch: the job finishes
    // only once its training process has exited, so nothing can come later.
    expect((await bed.store.events(id)).length).toBe(events.length);
  });

  it('shares a batch of jobs between two workers', async () => {
    await Promise.all([startWorker('w1'), startWorker('w2')]);
    const submitted = [];
    for (let i = 0; i < 6; i++) submitted.push(await submitExperiment(bed.queue, bed.store, { ...SHORT, seed: i }));
    const histories = await Promise.all(submitted.map(({ id }) => waitForStatus(bed.store, id, 'completed', WAIT_MS)));

    const byWorker = histories.map((events) => startedBy(events));
    byWorker.forEach((names) => expect(names).toHaveLength(1));
    expect(new Set(byWorker.flat())).toEqual(new Set(['w1', 'w2']));
    histories.forEach((events) => expect(seqs(events)).toEqual(oneToN(events.length)));
  });

  it('on SIGTERM mid-job, exits 0 promptly and the job finishes on another worker', async () => {
    const first = await startWorker('w1');
    const { id } = await submitExperiment(bed.queue, bed.store, LONG);
    await waitForEvents(bed.store, id, hasEvent('progress', (e) => e.type === 'progress' && e.batch > 1), WAIT_MS);
    const second = await startWorker('w2');

    const signalledAt = Date.now();
    const exit = await first.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(10_000);

    const events = await waitForStatus(bed.store, id, 'completed', WAIT_MS);
    expect(startedBy(events)).toEqual(['w1', 'w2']);
    expect(seqs(events)).toEqual(oneToN(events.length));
    const requeued = typesOf(events).indexOf('queued', 1);
    expect(typesOf(events)[requeued + 1]).toBe('started');
    const job = await finishedJob(id);
    expect(await job.getState()).toBe('completed');
    // Started twice, but the hand-back used up no attempt (BullMQ counts the completion as 1).
    expect(job.attemptsStarted).toBe(2);
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toBeUndefined();
    expect(second.logs.some((l) => l.msg === 'training completed' && l.experimentId === id)).toBe(true);
  });

  it('after a worker is killed outright, the stalled job is picked up and finished by another', async () => {
    const lock = { lockDuration: 2000, stalledInterval: 1000 };
    const first = await startWorker('w1', { workerOptions: lock });
    const { id } = await submitExperiment(bed.queue, bed.store, LONG);
    await waitForEvents(bed.store, id, hasEvent('progress'), WAIT_MS);
    await first.stop('SIGKILL');
    await startWorker('w2', { workerOptions: lock });

    const events = await waitForStatus(bed.store, id, 'completed', WAIT_MS);
    expect(startedBy(events)).toEqual(['w1', 'w2']);
    expect(seqs(events)).toEqual(oneToN(events.length));
    expect((await bed.queue.getJob(id))!.stalledCounter).toBe(1);
  });

  it('records failed when BullMQ fails a stalled job outside any handler', async () => {
    // The stalled check runs at most once per stalledInterval across all workers: keep both short.
    const first = await startWorker('w1', { workerOptions: { lockDuration: 2000, stalledInterval: 1000 } });
    const { id } = await submitExperiment(bed.queue, bed.store, LONG);
    await waitForEvents(bed.store, id, hasEvent('progress'), WAIT_MS);
    await first.stop('SIGKILL');
    await startWorker('w2', { workerOptions: { stalledInterval: 1000, maxStalledCount: 0 } });

    const events = await waitForStatus(bed.store, id, 'failed', WAIT_MS);
    expect((events.at(-1) as Extract<ExperimentEvent, { type: 'failed' }>).error).toMatch(/stalled/);
    expect(seqs(events)).toEqual(oneToN(events.length));
    expect(await (await bed.queue.getJob(id))!.getState()).toBe('failed');
  });

  it('fails a spec that can never train at once, without retry', async () => {
    await startWorker('w1');
    // The API's schema refuses this, so write it as a record from an older version would be:
    // 3 normalize channels on 1-channel images, which only the data can reveal.
    const spec = { ...resolveExperimentRequest(SHORT), transforms: { horizontalFlip: false, normalize: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } } };
    const { id } = await bed.store.create({ owner: 'student1', spec });
    await new TrainingQueue(bed.queue).enqueue([{ experimentId: id, owner: 'student1' }]);
    const events = await waitForStatus(bed.store, id, 'failed', WAIT_MS);

    expect(typesOf(events)).not.toContain('started');
    const failed = events.at(-1) as Extract<ExperimentEvent, { type: 'failed' }>;
    expect(failed.error).toMatch(/normalize/);
    expect(seqs(events)).toEqual(oneToN(events.length));
    const job = await finishedJob(id);
    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.opts.attempts).toBeGreaterThan(1);
  });
});
