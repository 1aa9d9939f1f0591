import * as path from 'node:path';
import { isTerminal, workerHeartbeatKey, type ExperimentEvent, type WorkerHeartbeat } from '@trainyard/contracts';
import { until } from '@trainyard/testing';
import { QueueName } from '@trainyard/training-queue';
import { oneToN, seqs, submitExperiment, waitForEvents, waitForStatus } from './support/experiments';
import type { LogLine } from './support/worker-process';
import { useWorkerTestBed } from './support/worker-test-bed';

// Training runs away from the worker's event loop, one fresh child per job: real worker processes
// with the real trainer, and faults injected by test/support/fault-trainer.js.
const FAULT_TRAINER = path.join(__dirname, 'support', 'fault-trainer.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { CRASH_SEED } = require(FAULT_TRAINER) as { CRASH_SEED: number };
const SHORT = { preset: 'mnist-fc', dataset: 'synthetic', limit: 200, testLimit: 100, batchSize: 50 };
// Many small batches: still training when its lock is taken away.
const LONG = { preset: 'mnist-fc', dataset: 'synthetic', limit: 5000, testLimit: 100, batchSize: 10, epochs: 12 };
// A 2 s lock, checked for stalls every second: a stretch of 10 s without renewal loses it five times over.
const SHORT_LOCK = { lockDuration: 2000, stalledInterval: 1000 };
const BLOCK_MS = 10_000;
// Generous: a busy 2-core machine runs several worker processes and their training children.
const WAIT_MS = 120_000;

jest.setTimeout(240_000);

describe('training off the event loop (e2e)', () => {
  const bed = useWorkerTestBed({ defaults: { trainerModule: FAULT_TRAINER }, waitMs: WAIT_MS });
  const { startWorker, finishedJob } = bed;
  const ended = (events: ExperimentEvent[]) => events.some((e) => isTerminal(e.type));
  const startedBy = (events: ExperimentEvent[]) => events.flatMap((e) => (e.type === 'started' ? [e.worker] : []));

  it('a training step that blocks longer than the lock: the run is trained once, and job and record agree', async () => {
    const env = { FAULT_BLOCK_FIRST_STEP_MS: String(BLOCK_MS) };
    await Promise.all([startWorker('w1', { workerOptions: SHORT_LOCK, env }), startWorker('w2', { workerOptions: SHORT_LOCK, env })]);
    const { id } = await submitExperiment(bed.queue, bed.store, SHORT);
    await waitForStatus(bed.store, id, 'completed', WAIT_MS);
    const job = await finishedJob(id);
    const events = await bed.store.events(id);

    expect(startedBy(events)).toHaveLength(1);
    expect(await job.getState()).toBe('completed');
    expect(job.failedReason).toBeUndefined();
    expect(job.attemptsStarted).toBe(1);
    expect(job.stalledCounter).toBe(0);
    expect(seqs(events)).toEqual(oneToN(events.length));
    // The test means something only if the block outlasted the lock several times.
    expect(job.finishedOn! - job.processedOn!).toBeGreaterThan(BLOCK_MS);
  });

  it('a worker that loses a job\'s lock stops its own copy of the run', async () => {
    // The lock is taken away (as when Redis was unreachable for longer than the lock), so the
    // stalled check hands the job to a worker again while the first copy may still be training.
    const [w1, w2] = await Promise.all([startWorker('w1', { workerOptions: SHORT_LOCK }), startWorker('w2', { workerOptions: SHORT_LOCK })]);
    const { id } = await submitExperiment(bed.queue, bed.store, LONG);
    const first = await waitForEvents(bed.store, id, (events) => events.some((e) => e.type === 'progress'), WAIT_MS);
    const holder = startedBy(first)[0] === 'w1' ? w1 : w2;
    await bed.redis.del(`${bed.prefix}:${QueueName.Training}:${id}:lock`);
    await holder.waitForLog((l: LogLine) => l.msg === 'job lock lost: training stopped, the job is left to whoever holds it now', WAIT_MS);

    const events = await waitForEvents(bed.store, id, ended, 2 * WAIT_MS);
    expect(events.at(-1)).toMatchObject({ type: 'completed' });
    expect(startedBy(events)).toHaveLength(2);
    // One run at a time: after the second `started`, progress only moves forward (two copies
    // training at once would interleave their epochs and batches).
    const restart = events.map((e) => e.type).lastIndexOf('started');
    const steps = events.slice(restart).flatMap((e) => (e.type === 'progress' ? [e.epoch * 1e6 + e.batch] : []));
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(events.filter((e) => e.type === 'completed')).toHaveLength(1);
    expect(seqs(events)).toEqual(oneToN(events.length));
    expect(await (await finishedJob(id)).getState()).toBe('completed');
  });

  it("a job that crashes the backend neither poisons the worker for the next student nor uses up the student's attempts", async () => {
    await startWorker('w1');
    const heartbeat = async () => JSON.parse((await bed.redis.get(workerHeartbeatKey(bed.prefix, 'w1'))) ?? 'null') as WorkerHeartbeat | null;
    const before = await until(heartbeat, 'the first heartbeat', WAIT_MS);
    expect(before).toEqual({ backend: 'cpu', backendOk: true, lastCheckedAt: expect.any(String), currentJob: null });
    expect(await bed.redis.pttl(workerHeartbeatKey(bed.prefix, 'w1'))).toBeGreaterThan(0);
    const crashing = await submitExperiment(bed.queue, bed.store, { ...SHORT, seed: CRASH_SEED }, 'student1');
    const plain = await submitExperiment(bed.queue, bed.store, SHORT, 'student2');

    const plainEvents = await waitForEvents(bed.store, plain.id, ended, WAIT_MS);
    expect(plainEvents.at(-1)).toMatchObject({ type: 'completed' });
    expect(startedBy(plainEvents)).toEqual(['w1']);
    const crashEvents = await waitForEvents(bed.store, crashing.id, ended, WAIT_MS);
    const failed = crashEvents.at(-1) as Extract<ExperimentEvent, { type: 'failed' }>;
    expect(failed.type).toBe('failed');
    expect(failed.error).toMatch(/backend crashed 2 times/);
    expect(seqs(crashEvents)).toEqual(oneToN(crashEvents.length));

    const job = await finishedJob(crashing.id);
    expect(await job.getState()).toBe('failed');
    expect(job.data.backendCrashes).toBe(2);
    // Two starts, one attempt used: the crash retries did not count against the student.
    expect(job.attemptsStarted).toBe(2);
    expect(job.attemptsMade).toBe(1);
    // After each crash the worker checked that its backend still computes, and says so.
    await until(async () => {
      const h = await heartbeat();
      return h !== null && h.backendOk && Date.parse(h.lastCheckedAt) > Date.parse(before.lastCheckedAt);
    }, 'a heartbeat with a re-checked backend', WAIT_MS);
    expect(bed.workers[0].child.exitCode).toBeNull();
  });
});
