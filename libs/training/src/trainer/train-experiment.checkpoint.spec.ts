import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { resolveExperimentRequest, type ExperimentSpec, type TrainingEvent, type TrainingResult } from '@trainyard/contracts';
import { initBackend } from '../backend/backend-selection';
import { CHECKPOINT_FILE, deleteCheckpoint, readCheckpoint, disposeCheckpoint } from './checkpoint';
import { WEIGHTS_BIN } from './model-io';
import { trainExperiment } from './train-experiment';
import { TrainingCancelledError } from './trainer.types';

// A resumed run must end exactly as an uninterrupted one of the same spec and seed: the same
// test accuracy and loss and byte-identical weights (BatchNorm moving statistics included).
// On wasm, the backend the workers use without a GPU (and far faster here than pure-JS cpu).

let root: string;
let n = 0;
const fresh = async (name: string) => fs.mkdtemp(path.join(root, `${name}-${++n}-`));

beforeAll(async () => {
  await initBackend('wasm');
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'trainyard-checkpoint-'));
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const spec = (extra: Record<string, unknown>): ExperimentSpec =>
  resolveExperimentRequest({
    dataset: 'synthetic',
    model: { type: 'cnn', features: 6, head: 'fc' }, // the course CNN (mnist-cnn)
    optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 },
    epochs: 3,
    batchSize: 16,
    testBatchSize: 50,
    limit: 48,
    testLimit: 50,
    seed: 11,
    // Crops and flips draw from the batch generator on every sample: its position must resume too.
    transforms: { randomCrop: { padding: 2 }, horizontalFlip: true },
    permutePixels: 5,
    ...extra,
  });

interface Run {
  result: TrainingResult;
  events: TrainingEvent[];
  weights: Buffer;
}

async function straight(s: ExperimentSpec): Promise<Run> {
  const out = await fresh('straight');
  const events: TrainingEvent[] = [];
  const result = await trainExperiment(s, { dataDir: root, saveTo: out, onEvent: (e) => void events.push(e), progressIntervalMs: 0 });
  return { result, events, weights: await fs.readFile(path.join(out, WEIGHTS_BIN)) };
}

/** Trains until `stopAt` says so (the abort lands between batches), then resumes in a fresh call. */
async function interruptedThenResumed(s: ExperimentSpec, stopAt: (e: TrainingEvent) => boolean) {
  const dir = await fresh('checkpoint');
  const out = await fresh('resumed');
  const controller = new AbortController();
  const first: TrainingEvent[] = [];
  const interrupted = trainExperiment(s, {
    dataDir: root,
    checkpoint: { dir },
    signal: controller.signal,
    progressIntervalMs: 0,
    onEvent: (e) => {
      first.push(e);
      if (stopAt(e)) controller.abort(new Error('worker stopping'));
    },
  });
  await expect(interrupted).rejects.toBeInstanceOf(TrainingCancelledError);
  const before = tf.memory().numTensors;
  const events: TrainingEvent[] = [];
  const result = await trainExperiment(s, { dataDir: root, checkpoint: { dir }, saveTo: out, onEvent: (e) => void events.push(e), progressIntervalMs: 0 });
  return { first, run: { result, events, weights: await fs.readFile(path.join(out, WEIGHTS_BIN)) } as Run, dir, before };
}

const epochNumbers = (events: TrainingEvent[]) => events.filter((e) => e.type === 'epoch').map((e) => (e as { epoch: number }).epoch);
const stripTimes = (r: TrainingResult) => r.epochs.map(({ seconds: _s, samplesPerSec: _r, ...rest }) => rest);

function expectSameEnd(resumed: Run, uninterrupted: Run) {
  expect(resumed.result.testAccuracy).toBe(uninterrupted.result.testAccuracy);
  expect(resumed.result.testLoss).toBe(uninterrupted.result.testLoss);
  expect(resumed.result.confusionMatrix).toEqual(uninterrupted.result.confusionMatrix);
  expect(stripTimes(resumed.result)).toEqual(stripTimes(uninterrupted.result));
  expect(resumed.weights.equals(uninterrupted.weights)).toBe(true);
}

describe('trainExperiment with checkpoints', () => {
  it('resumes after an abort at an epoch boundary (momentum SGD): same accuracy, identical weights, no epoch twice', async () => {
    // The bundled digits, enough of them to learn: equal accuracies far from chance mean something.
    const s = spec({ dataset: 'mnist-bundled', limit: 640, testLimit: 500, batchSize: 32, testBatchSize: 500, transforms: { normalize: { mean: [0.1307], std: [0.3081] } } });
    const a = await straight(s);
    expect(a.result.testAccuracy).toBeGreaterThan(0.3); // chance is 0.1
    const { first, run: b } = await interruptedThenResumed(s, (e) => e.type === 'epoch' && e.epoch === 1);
    expect(epochNumbers(first)).toEqual([1]);
    // The run's time so far (epoch 1, its test pass included) counts against its time limit.
    const epoch1 = first.find((e) => e.type === 'epoch')!;
    expect(b.events.filter((e) => e.type === 'resumed')).toEqual([{ type: 'resumed', fromEpoch: 2, fromBatch: 0, trainedSeconds: epoch1.type === 'epoch' && epoch1.seconds }]);
    expect(epochNumbers(b.events)).toEqual([2, 3]);
    expectSameEnd(b, a);
  }, 120_000);

  it('resumes after an abort mid-epoch (Adam): the epoch continues at the next batch and ends identically', async () => {
    const s = spec({ optimizer: { type: 'adam', lr: 0.005 } });
    const a = await straight(s);
    const { first, run: b, dir } = await interruptedThenResumed(s, (e) => e.type === 'progress' && e.epoch === 2 && e.batch === 2);
    expect(epochNumbers(first)).toEqual([1]);
    expect(b.events.find((e) => e.type === 'resumed')).toEqual({ type: 'resumed', fromEpoch: 2, fromBatch: 2, trainedSeconds: expect.any(Number) });
    // Epoch 1 and epoch 2's first two batches.
    const epoch1 = first.find((e) => e.type === 'epoch')!;
    const resumed = b.events.find((e) => e.type === 'resumed')!;
    expect(resumed.type === 'resumed' && epoch1.type === 'epoch' && resumed.trainedSeconds! > epoch1.seconds).toBe(true);
    const progress = b.events.filter((e): e is Extract<TrainingEvent, { type: 'progress' }> => e.type === 'progress');
    expect(progress[0]).toMatchObject({ epoch: 2, batch: 3 });
    expect(epochNumbers(b.events)).toEqual([2, 3]);
    expectSameEnd(b, a);
    await deleteCheckpoint(dir);
    await expect(fs.stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
  }, 120_000);

  it('resumes after an abort before the first batch, once the epoch has drawn its order', async () => {
    const s = spec({ epochs: 2 });
    const a = await straight(s);
    const { first, run: b } = await interruptedThenResumed(s, (e) => e.type === 'started');
    expect(first.map((e) => e.type)).toEqual(['started']);
    expect(b.events.find((e) => e.type === 'resumed')).toEqual({ type: 'resumed', fromEpoch: 1, fromBatch: 0, trainedSeconds: expect.any(Number) });
    expectSameEnd(b, a);
  }, 120_000);

  it('resumes a BatchNorm model (vgg16 on a few images): moving statistics included', async () => {
    const s = spec({
      model: { type: 'vgg16', head: 'fc' },
      optimizer: { type: 'sgd', lr: 0.01, momentum: 0.9 },
      epochs: 2,
      batchSize: 4,
      testBatchSize: 4,
      limit: 8,
      testLimit: 4,
      transforms: { randomCrop: { padding: 4 }, horizontalFlip: true },
      permutePixels: false,
    });
    const a = await straight(s);
    const { run: b } = await interruptedThenResumed(s, (e) => e.type === 'progress' && e.epoch === 1 && e.batch === 1);
    expect(b.events.find((e) => e.type === 'resumed')).toEqual({ type: 'resumed', fromEpoch: 1, fromBatch: 1, trainedSeconds: expect.any(Number) });
    expectSameEnd(b, a);
  }, 300_000);

  it('writes a checkpoint holding the epoch, generator state, BatchNorm statistics and optimizer slots', async () => {
    const s = spec({ model: { type: 'vgg16', head: 'fc' }, optimizer: { type: 'adam', lr: 0.001 }, epochs: 2, batchSize: 4, limit: 4, testLimit: 2, testBatchSize: 2, permutePixels: false });
    const { dir } = await interruptedThenResumedNoFinish(s);
    const saved = (await readCheckpoint(dir))!;
    try {
      expect(saved.epochsDone).toBe(1);
      expect(saved.batchesDone).toBe(0);
      expect(saved.rng.S).toHaveLength(256);
      // VGG_CFG has 8 convs, each with kernel, bias, BatchNorm gamma, beta, moving mean and moving variance; then the head's kernel and bias.
      expect(saved.weights).toHaveLength(8 * 6 + 2);
      // Adam: the step count, a first and a second moment per trainable weight, β₁ᵗ and β₂ᵗ.
      expect(saved.optimizer.map((t) => t.name)[0]).toBe('iter');
      expect(saved.optimizer).toHaveLength(1 + 2 * (8 * 4 + 2) + 2);
      expect(await saved.optimizer[0].tensor.data()).toEqual(new Int32Array([1]));
    } finally {
      disposeCheckpoint(saved);
    }
  }, 120_000);

  it('refuses to resume another spec from the checkpoint', async () => {
    const s = spec({ epochs: 2 });
    const dir = await fresh('mismatch');
    const controller = new AbortController();
    const run = trainExperiment(s, { dataDir: root, checkpoint: { dir }, signal: controller.signal, onEvent: (e) => void (e.type === 'epoch' && controller.abort()) });
    await expect(run).rejects.toBeInstanceOf(TrainingCancelledError);
    await expect(trainExperiment({ ...s, seed: 12 }, { dataDir: root, checkpoint: { dir } })).rejects.toMatchObject({
      name: 'CheckpointMismatchError',
      message: expect.stringContaining('another spec'),
    });
  }, 60_000);

  it('never leaves a half-written checkpoint, and refuses a truncated one', async () => {
    const s = spec({ epochs: 2 });
    const dir = await fresh('atomic');
    const controller = new AbortController();
    const run = trainExperiment(s, { dataDir: root, checkpoint: { dir }, signal: controller.signal, onEvent: (e) => void (e.type === 'epoch' && controller.abort()) });
    await expect(run).rejects.toBeInstanceOf(TrainingCancelledError);
    expect(await fs.readdir(dir)).toEqual([CHECKPOINT_FILE]);
    const file = path.join(dir, CHECKPOINT_FILE);
    const whole = await fs.readFile(file);
    await fs.writeFile(file, whole.subarray(0, whole.length - 100));
    await expect(trainExperiment(s, { dataDir: root, checkpoint: { dir } })).rejects.toMatchObject({ name: 'CheckpointMismatchError' });
  }, 60_000);

  it('frees every tensor it read from the checkpoint', async () => {
    const s = spec({ epochs: 2, optimizer: { type: 'adam', lr: 0.005 } });
    const { before } = await interruptedThenResumed(s, (e) => e.type === 'epoch');
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);
});

/** Stops a run after its first epoch's checkpoint and leaves the checkpoint in place. */
async function interruptedThenResumedNoFinish(s: ExperimentSpec) {
  const dir = await fresh('inspect');
  const controller = new AbortController();
  const run = trainExperiment(s, { dataDir: root, checkpoint: { dir }, signal: controller.signal, onEvent: (e) => void (e.type === 'epoch' && controller.abort()) });
  await expect(run).rejects.toBeInstanceOf(TrainingCancelledError);
  return { dir };
}
