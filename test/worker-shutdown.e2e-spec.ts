// A worker's SIGTERM gives its running job WORKER_SHUTDOWN_GRACE_MS to finish the batch
// in progress and write its checkpoint, whatever that batch costs (a VGG16 batch of 128 takes
// ~6.7 s on wasm). Until then a stopping run was killed 5 s after the abort, whatever the
// deployment's grace period, and lost everything since its last checkpoint. Real worker
// processes and Redis, the real trainer; fault-trainer.js makes one batch slow.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExperimentEvent } from '@trainyard/contracts';
import { oneToN, seqs, submitExperiment, waitForStatus } from './support/experiments';
import { useWorkerTestBed } from './support/worker-test-bed';

const FAULT_TRAINER = path.join(__dirname, 'support', 'fault-trainer.js');
// One epoch of 200 small batches: the slow batch lands mid-epoch, before any epoch checkpoint.
const SPEC = { preset: 'mnist-fc', dataset: 'synthetic', limit: 2000, testLimit: 100, batchSize: 10, epochs: 1 };
// Longer than the 5 s after which the old code killed a stopping training process.
const SLOW_BATCH_MS = 8000;
const SHUTDOWN_GRACE_MS = 60_000;
// A 2 s lock checked for stalls every second: were the lock not renewed while the stopping
// worker waits for its batch, the other worker would take the job as stalled within seconds.
const SHORT_LOCK = { lockDuration: 2000, stalledInterval: 1000 };
const WAIT_MS = 180_000;

jest.setTimeout(2 * WAIT_MS);

async function waitForFile(file: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`${file} not written in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  // Written whole by one writeFileSync before the batch blocks; wait out a read mid-write.
  for (;;) {
    const text = fs.readFileSync(file, 'utf8');
    if (text.endsWith('}')) return text;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('worker shutdown during a long batch (e2e)', () => {
  const bed = useWorkerTestBed({ defaults: { trainerModule: FAULT_TRAINER }, waitMs: WAIT_MS });
  const startedBy = (events: ExperimentEvent[]) => events.flatMap((e) => (e.type === 'started' ? [e.worker] : []));

  it('SIGTERM mid-batch: the batch ends, its checkpoint is written, the worker exits 0 within the grace, and another worker resumes from that batch', async () => {
    const marker = path.join(bed.home, 'slow-batch.json');
    const env = { FAULT_SLOW_BATCH_MS: String(SLOW_BATCH_MS), FAULT_SLOW_BATCH_MARKER: marker, WORKER_SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS) };
    const workers = await Promise.all([startWorker('w1'), startWorker('w2')]);
    function startWorker(name: string) {
      return bed.startWorker(name, { workerOptions: SHORT_LOCK, env });
    }
    const { id } = await submitExperiment(bed.queue, bed.store, SPEC);

    // The slow batch has begun in whichever worker took the job.
    const slow = JSON.parse(await waitForFile(marker, WAIT_MS)) as { worker: string; epoch: number; batch: number };
    const stopping = workers.find((w) => w.name === slow.worker)!;
    const other = workers.find((w) => w !== stopping)!;
    const signalledAt = Date.now();
    const exit = await stopping.stop('SIGTERM', 2 * SHUTDOWN_GRACE_MS);
    const stopMs = Date.now() - signalledAt;
    console.log(`SIGTERM during a ${SLOW_BATCH_MS} ms batch: the worker exited after ${stopMs} ms (grace ${SHUTDOWN_GRACE_MS} ms)`);

    expect(exit).toEqual({ code: 0, signal: null });
    expect(stopMs).toBeLessThan(SHUTDOWN_GRACE_MS);
    expect(stopping.logs.some((l) => l.msg === 'worker shutting down: job returned to the queue' && l.experimentId === id)).toBe(true);

    const events = await waitForStatus(bed.store, id, 'completed', WAIT_MS);
    // Resumed from the checkpoint written after the slow batch: nothing it trained was lost.
    expect(events.filter((e) => e.type === 'resumed')).toEqual([expect.objectContaining({ fromEpoch: slow.epoch, fromBatch: slow.batch })]);
    expect(startedBy(events)).toEqual([stopping.name, other.name]);
    expect(seqs(events)).toEqual(oneToN(events.length));
    const points = events.flatMap((e) => (e.type === 'progress' ? [`${e.epoch}.${e.batch}`] : []));
    expect(new Set(points).size).toBe(points.length);
    const job = await bed.finishedJob(id);
    expect(await job.getState()).toBe('completed');
    // Its lock was renewed all through the grace: handed back, never found stalled.
    expect(job.stalledCounter).toBe(0);
    expect(job.attemptsMade).toBe(1);
  });
});
