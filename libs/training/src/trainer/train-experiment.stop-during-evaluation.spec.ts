import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveExperimentRequest, type TrainingEvent, type TrainingResult } from '@trainyard/contracts';
import { initBackend } from '../backend/backend-selection';
import { readCheckpoint, disposeCheckpoint } from './checkpoint';
import * as evaluation from './evaluate';
import { WEIGHTS_BIN } from './model-io';
import { trainExperiment } from './train-experiment';
import { TrainingCancelledError } from './trainer.types';

// A stop that arrives during an epoch's test pass (minutes on a CPU for VGG16 over 10,000 images,
// longer than a stopping worker waits) must not wait for it, nor lose the epoch: the checkpoint
// holds the epoch trained to its last batch, and the resumed run evaluates it and ends exactly as
// an uninterrupted one. The abort is fired as evaluate() begins, through this module mock (the
// trainer emits nothing during the test pass that a test could hook).
const abortOnEvaluate: { controller?: AbortController } = {};
jest.mock('./evaluate', () => {
  const actual = jest.requireActual<typeof evaluation>('./evaluate');
  return {
    ...actual,
    evaluate: (...args: Parameters<typeof actual.evaluate>) => {
      abortOnEvaluate.controller?.abort(new Error('worker stopping'));
      return actual.evaluate(...args);
    },
  };
});

let root: string;
beforeAll(async () => {
  await initBackend('wasm');
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'trainyard-stop-eval-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const spec = resolveExperimentRequest({
  dataset: 'synthetic',
  model: { type: 'cnn', features: 6, head: 'fc' },
  optimizer: { type: 'adam', lr: 0.005 },
  epochs: 2,
  batchSize: 16,
  testBatchSize: 10,
  limit: 48,
  testLimit: 50,
  seed: 11,
  transforms: { randomCrop: { padding: 2 }, horizontalFlip: true },
});
const stripTimes = (r: TrainingResult) => r.epochs.map(({ seconds: _s, samplesPerSec: _r, ...rest }) => rest);

it('a stop during the test pass checkpoints the trained epoch; the resumed run evaluates it and ends identically', async () => {
  const straightOut = await fs.mkdtemp(path.join(root, 'straight-'));
  const straight = await trainExperiment(spec, { dataDir: root, saveTo: straightOut });

  const dir = await fs.mkdtemp(path.join(root, 'checkpoint-'));
  abortOnEvaluate.controller = new AbortController();
  const first: TrainingEvent[] = [];
  const stopped = trainExperiment(spec, { dataDir: root, checkpoint: { dir }, signal: abortOnEvaluate.controller.signal, onEvent: (e) => void first.push(e) });
  await expect(stopped).rejects.toBeInstanceOf(TrainingCancelledError);
  abortOnEvaluate.controller = undefined;
  // Stopped before the epoch's result: no epoch event, and a checkpoint after its last batch.
  expect(first.some((e) => e.type === 'epoch')).toBe(false);
  const batches = (first.find((e) => e.type === 'started') as Extract<TrainingEvent, { type: 'started' }>).batches;
  const saved = (await readCheckpoint(dir))!;
  try {
    expect({ epochsDone: saved.epochsDone, batchesDone: saved.batchesDone }).toEqual({ epochsDone: 0, batchesDone: batches });
  } finally {
    disposeCheckpoint(saved);
  }

  const out = await fs.mkdtemp(path.join(root, 'resumed-'));
  const events: TrainingEvent[] = [];
  const resumed = await trainExperiment(spec, { dataDir: root, checkpoint: { dir }, saveTo: out, onEvent: (e) => void events.push(e) });
  expect(events.find((e) => e.type === 'resumed')).toEqual({ type: 'resumed', fromEpoch: 1, fromBatch: batches, trainedSeconds: expect.any(Number) });
  // The resumed run trains nothing of epoch 1 again: its first progress is epoch 2's.
  expect(events.find((e) => e.type === 'progress')).toMatchObject({ epoch: 2 });
  expect(events.filter((e) => e.type === 'epoch').map((e) => (e as { epoch: number }).epoch)).toEqual([1, 2]);
  expect(resumed.testAccuracy).toBe(straight.testAccuracy);
  expect(resumed.testLoss).toBe(straight.testLoss);
  expect(stripTimes(resumed)).toEqual(stripTimes(straight));
  expect((await fs.readFile(path.join(out, WEIGHTS_BIN))).equals(await fs.readFile(path.join(straightOut, WEIGHTS_BIN)))).toBe(true);
}, 120_000);
