import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { resolveExperimentRequest, type ExperimentSpec, type TrainingEvent, type TrainingResult } from '@trainyard/contracts';
import { initBackend } from '../../backend/backend-selection';
import { WEIGHTS_BIN } from '../model-io';
import { trainExperiment } from '../train-experiment';
import { TrainingCancelledError } from '../trainer.types';
import { ReplicaThreadError } from './replica-thread.error';
import { watchWorkerThreads } from './__tests__/worker-threads-watch';

// trainExperiment with `threads`: the data-parallel path against the one-thread path, on wasm
// (the backend the replicas run on in a CPU worker). Small synthetic sets: seconds per run.

let root: string;
let n = 0;
const fresh = async (name: string) => fs.mkdtemp(path.join(root, `${name}-${++n}-`));

beforeAll(async () => {
  await initBackend('wasm');
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'trainyard-data-parallel-'));
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const spec = (extra: Record<string, unknown> = {}): ExperimentSpec =>
  resolveExperimentRequest({
    dataset: 'synthetic',
    model: { type: 'cnn', features: 6, head: 'fc' }, // the course CNN: no BatchNorm
    optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 },
    epochs: 2,
    // Odd: two shards of 17 and 16, so a plain mean of the shards' gradients is not the batch's.
    batchSize: 33,
    testBatchSize: 50,
    // 100 = 3 × 33 + 1: the last batch of each epoch has one sample, and replica 1 an empty shard.
    limit: 100,
    testLimit: 50,
    seed: 5,
    transforms: { randomCrop: { padding: 2 }, horizontalFlip: true },
    ...extra,
  });

interface Run {
  result: TrainingResult;
  events: TrainingEvent[];
  weights: Float32Array;
}

async function train(s: ExperimentSpec, threads: number, extra: { checkpoint?: { dir: string } } = {}): Promise<Run> {
  const out = await fresh('model');
  const events: TrainingEvent[] = [];
  const result = await trainExperiment(s, { dataDir: root, saveTo: out, threads, onEvent: (e) => void events.push(e), progressIntervalMs: 0, ...extra });
  const bytes = await fs.readFile(path.join(out, WEIGHTS_BIN));
  return { result, events, weights: new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4) };
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const progressLosses = (events: TrainingEvent[]) => events.flatMap((e) => (e.type === 'progress' ? [e.loss] : []));
const stripTimes = (r: TrainingResult) => ({ ...r, seconds: 0, samplesPerSec: 0, epochs: r.epochs.map((e) => ({ ...e, seconds: 0, samplesPerSec: 0 })) });

describe('trainExperiment with threads', () => {
  it('2 threads train the same weights as 1 thread, up to float rounding, with shards of unequal size', async () => {
    const s = spec();
    const one = await train(s, 1);
    const two = await train(s, 2);
    // Both say how many threads trained them, on the started event and in the result.
    for (const [run, threads] of [[one, 1], [two, 2]] as const) {
      expect(run.events.find((e) => e.type === 'started')).toMatchObject({ threads });
      expect(run.result.threads).toBe(threads);
    }
    expect(two.weights).toHaveLength(one.weights.length);
    // Float32 summation in another order drifts by ~1e-7 per step (3e-8 measured here); a plain
    // mean of 17- and 16-sample shards' gradients is off by ~1.5% of their difference (1.5e-3).
    expect(maxAbsDiff(two.weights, one.weights)).toBeLessThan(2e-5);
    // The reported losses are the whole batch's (shards weighted by size), not replica 0's.
    const [l1, l2] = [progressLosses(one.events), progressLosses(two.events)];
    expect(l2).toHaveLength(l1.length);
    l2.forEach((loss, i) => expect(loss).toBeCloseTo(l1[i], 4));
    expect(two.result.epochs.map((e) => e.trainAccuracy)).toEqual(one.result.epochs.map((e) => e.trainAccuracy));
    expect(two.result.testAccuracy).toBeCloseTo(one.result.testAccuracy, 2);
  }, 120_000);

  it('two 2-thread runs give bit-identical weights and metrics', async () => {
    const s = spec({ optimizer: { type: 'adam', lr: 0.01 } });
    const a = await train(s, 2);
    const b = await train(s, 2);
    expect(Buffer.from(b.weights.buffer, b.weights.byteOffset, b.weights.byteLength).equals(Buffer.from(a.weights.buffer, a.weights.byteOffset, a.weights.byteLength))).toBe(true);
    expect(stripTimes(b.result)).toEqual(stripTimes(a.result));
    expect(progressLosses(b.events)).toEqual(progressLosses(a.events));
  }, 120_000);

  it('cancelled mid-epoch with threads, leaves a checkpoint that resumes to the uninterrupted run, with no thread left', async () => {
    const s = spec();
    const straight = await train(s, 2);
    const dir = await fresh('checkpoint');
    const controller = new AbortController();
    const watch = watchWorkerThreads();
    try {
      const interrupted = trainExperiment(s, {
        dataDir: root,
        threads: 2,
        checkpoint: { dir },
        signal: controller.signal,
        progressIntervalMs: 0,
        onEvent: (e) => {
          if (e.type === 'progress' && e.epoch === 1 && e.batch === 2) controller.abort(new Error('cancelled by test'));
        },
      });
      await expect(interrupted).rejects.toBeInstanceOf(TrainingCancelledError);
      expect(watch.started()).toBe(1);
      expect(watch.running()).toBe(0);
    } finally {
      watch.restore();
    }
    const resumed = await train(s, 2, { checkpoint: { dir } });
    expect(resumed.events.find((e) => e.type === 'resumed')).toEqual({ type: 'resumed', fromEpoch: 1, fromBatch: 2, trainedSeconds: expect.any(Number) });
    expect(Buffer.from(resumed.weights.buffer).equals(Buffer.from(straight.weights.buffer))).toBe(true);
    expect(resumed.result.testLoss).toBe(straight.result.testLoss);
  }, 120_000);

  it('trains a model too small to share on one thread, and says so', async () => {
    const watch = watchWorkerThreads();
    try {
      const logs: string[] = [];
      const events: TrainingEvent[] = [];
      // fc2layer: ~38k training FLOPs an image, ~0.6 MFLOP a 16-image shard (2 threads ran it 2× slower).
      const s = spec({ model: { type: 'fc2layer' }, epochs: 1 });
      const result = await trainExperiment(s, { dataDir: root, threads: 2, onEvent: (e) => void events.push(e), log: (m) => logs.push(m) });
      expect(watch.started()).toBe(0);
      expect(events.find((e) => e.type === 'started')).toMatchObject({ threads: 1 });
      expect(result.threads).toBe(1);
      expect(logs.join('\n')).toMatch(/threads: 1 of 2: a batch of 33 is .* MFLOP of training, too little to share/);
    } finally {
      watch.restore();
    }
  });

  it('ignores threads on a native backend, which uses every core itself, and says so', async () => {
    // tfjs-node's backend cannot be installed here: a stand-in under its name, with the cpu backend's kernels.
    tf.registerBackend('tensorflow', tf.findBackendFactory('cpu')!);
    for (const kernel of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...kernel, backendName: 'tensorflow' });
    await tf.setBackend('tensorflow');
    const watch = watchWorkerThreads();
    try {
      const logs: string[] = [];
      const events: TrainingEvent[] = [];
      // The course CNN at batch 33: on wasm, 2 threads train it on 2 replicas (the first test).
      const result = await trainExperiment(spec({ epochs: 1, limit: 66, testLimit: 10 }), { dataDir: root, threads: 2, onEvent: (e) => void events.push(e), log: (m) => logs.push(m) });
      expect(watch.started()).toBe(0);
      expect(events.find((e) => e.type === 'started')).toMatchObject({ backend: 'tensorflow', threads: 1 });
      expect(result.threads).toBe(1);
      expect(logs.join('\n')).toContain('threads: 2 ignored: the tensorflow backend already uses every core');
    } finally {
      watch.restore();
      await tf.setBackend('wasm');
      tf.removeBackend('tensorflow');
    }
  });

  it.each([
    ['throws', (w: import('node:worker_threads').Worker) => w.postMessage({ type: 'compute', parity: 0, shards: [] })],
    ['dies', (w: import('node:worker_threads').Worker) => void w.terminate()],
  ])('fails the run with ReplicaThreadError when a thread %s, and leaves no thread running', async (_how, breakThread) => {
    const watch = watchWorkerThreads();
    try {
      let broken = false;
      // Batch 36: shards of 12, enough work per shard for the trainer to use all 3 threads (replicasFor).
      const run = trainExperiment(spec({ epochs: 3, batchSize: 36 }), {
        dataDir: root,
        threads: 3,
        progressIntervalMs: 0,
        onEvent: (e) => {
          if (e.type === 'progress' && !broken) {
            broken = true;
            breakThread(watch.workers()[1]);
          }
        },
      });
      await expect(run).rejects.toBeInstanceOf(ReplicaThreadError);
      await expect(run).rejects.toThrow(/data-parallel training thread 2 of 3 failed/);
      expect(watch.started()).toBe(2);
      expect(watch.running()).toBe(0);
    } finally {
      watch.restore();
    }
  }, 120_000);

  it('frees every tensor it made on this thread', async () => {
    const before = tf.memory().numTensors;
    await train(spec({ epochs: 1 }), 2);
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);
});
