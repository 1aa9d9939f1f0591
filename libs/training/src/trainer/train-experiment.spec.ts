import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { presetSpec, resolveExperimentRequest, type TrainingEvent } from '@trainyard/contracts';
import { loadModel } from './model-io';
import { pixelPermutation } from '../transforms/pixel-permutation';
import { trainExperiment } from './train-experiment';
import { findNonFinite } from './non-finite-metric.error';
import { NonFiniteLossError } from './non-finite-loss.error';
import { TrainingCancelledError } from './trainer.types';

let dataDir: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'trainyard-trainer-'));
});

afterAll(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

const syntheticFc = (extra: Record<string, unknown> = {}) =>
  resolveExperimentRequest({
    dataset: 'synthetic',
    model: { type: 'fc2layer', hidden: 8 },
    optimizer: { type: 'sgd', lr: 0.05, momentum: 0.5 },
    epochs: 1,
    batchSize: 32,
    testBatchSize: 100,
    limit: 256,
    testLimit: 64,
    ...extra,
  });

describe('trainExperiment', () => {
  it('learns the bundled MNIST digits far beyond chance (10%) in a short run', async () => {
    // The course's FC net and optimiser; 4 epochs of the ~8,000 bundled digits is 500 SGD steps.
    const spec = presetSpec('mnist-fc', { epochs: 4, testLimit: 1000 });
    const result = await trainExperiment(spec, { dataDir });
    expect(result.params).toBe(6442);
    expect(result.testSamples).toBe(1000);
    expect(result.testAccuracy).toBeGreaterThan(0.7);
    expect(result.perClassAccuracy).toHaveLength(10);
    const total = result.confusionMatrix.flat().reduce((a, b) => a + b, 0);
    expect(total).toBe(1000);
    expect(result.correct).toBe(result.confusionMatrix.reduce((s, row, i) => s + row[i], 0));
    expect(result.epochs).toHaveLength(4);
    expect(result.samplesPerSec).toBeGreaterThan(0);
  }, 120_000);

  it('reports started, throttled progress, one epoch event per epoch, and returns the result without emitting completed', async () => {
    const events: TrainingEvent[] = [];
    const result = await trainExperiment(syntheticFc({ epochs: 2 }), { dataDir, onEvent: (e) => void events.push(e), progressIntervalMs: 60_000 });
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('started');
    // `completed` has one writer, the trainer's caller (the worker's handler, the CLI), which builds it from the result.
    expect(types).not.toContain('completed');
    expect(types.at(-1)).toBe('epoch');
    expect(result.epochs).toEqual(events.filter((e) => e.type === 'epoch').map(({ type: _t, epochs: _n, ...summary }) => summary));
    expect(types.filter((t) => t === 'epoch')).toHaveLength(2);
    // With a long interval only the first and last batch of each epoch report.
    const progress = events.filter((e): e is Extract<TrainingEvent, { type: 'progress' }> => e.type === 'progress');
    expect(progress.map((p) => [p.epoch, p.batch])).toEqual([
      [1, 1],
      [1, 8],
      [2, 1],
      [2, 8],
    ]);
    expect(progress.every((p) => p.batches === 8 && Number.isFinite(p.loss))).toBe(true);
  });

  it("reports each progress event's own batch accuracy and the epoch's running mean, each for what it is", async () => {
    const events: TrainingEvent[] = [];
    // Interval 0: every batch reports, so the running mean can be rebuilt from the batch accuracies.
    await trainExperiment(syntheticFc({ epochs: 2, seed: 3 }), { dataDir, onEvent: (e) => void events.push(e), progressIntervalMs: 0 });
    for (const epoch of [1, 2]) {
      const progress = events.filter((e): e is Extract<TrainingEvent, { type: 'progress' }> => e.type === 'progress' && e.epoch === epoch);
      expect(progress.map((p) => p.batch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      let correct = 0;
      progress.forEach((p, i) => {
        // 8 batches of 32 images: a batch's accuracy is its own correct count over 32.
        expect(Number.isInteger(Math.round(p.batchAccuracy * 32 * 1e6) / 1e6)).toBe(true);
        correct += p.batchAccuracy * 32;
        expect(p.runningAccuracy).toBeCloseTo(correct / (32 * (i + 1)), 6);
      });
      // The running mean is not the batch's: some batch differs from the mean so far (else the test proves nothing).
      expect(progress.some((p) => Math.abs(p.batchAccuracy - p.runningAccuracy) > 1e-6)).toBe(true);
      const summary = events.find((e): e is Extract<TrainingEvent, { type: 'epoch' }> => e.type === 'epoch' && e.epoch === epoch)!;
      expect(progress.at(-1)!.runningAccuracy).toBeCloseTo(summary.trainAccuracy, 6);
    }
  });

  it('is reproducible from the seed', async () => {
    const a = await trainExperiment(syntheticFc({ seed: 7 }), { dataDir });
    const b = await trainExperiment(syntheticFc({ seed: 7 }), { dataDir });
    const c = await trainExperiment(syntheticFc({ seed: 8 }), { dataDir });
    expect(b.testLoss).toBe(a.testLoss);
    expect(c.testLoss).not.toBe(a.testLoss);
  });

  it('stops between batches when aborted, and frees every tensor', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    let batches = 0;
    const run = trainExperiment(syntheticFc({ epochs: 5, limit: 1000 }), {
      dataDir,
      signal: controller.signal,
      progressIntervalMs: 0,
      onEvent: (e) => {
        if (e.type === 'progress' && ++batches === 3) controller.abort(new Error('cancelled by test'));
      },
    });
    await expect(run).rejects.toBeInstanceOf(TrainingCancelledError);
    expect(batches).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a spec its data cannot take with IncompatibleSpecError, leaking nothing', async () => {
    const before = tf.memory().numTensors;
    // Bypasses the schema (which refuses it at the API), as a record from an older version could.
    const spec = { ...syntheticFc(), transforms: { horizontalFlip: false, normalize: { mean: [0.5, 0.5, 0.5], std: [1, 1, 1] } } };
    await expect(trainExperiment(spec, { dataDir })).rejects.toMatchObject({ name: 'IncompatibleSpecError', message: expect.stringMatching(/fc2layer on synthetic \(28×28×1\)/) });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('saves a model that loads back and predicts like the trained one', async () => {
    const dir = path.join(dataDir, 'model-out');
    const spec = syntheticFc();
    const result = await trainExperiment(spec, { dataDir, saveTo: dir });
    const model = await loadModel(dir);
    try {
      expect(model.countParams()).toBe(result.params);
      expect(await fs.readdir(dir)).toEqual(expect.arrayContaining(['model.json', 'weights.bin']));
    } finally {
      model.dispose();
    }
  });

  it("writes the preprocessing a model needs into model.json's userDefinedMetadata: input shape, normalisation, permutation, classes", async () => {
    const dir = path.join(dataDir, 'model-meta');
    const spec = syntheticFc({ permutePixels: 7, transforms: { normalize: { mean: [0.1307], std: [0.3081] } } });
    await trainExperiment(spec, { dataDir, saveTo: dir });
    const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
    const meta = json.userDefinedMetadata.trainyard;
    expect(meta.input).toEqual({ shape: [null, 28, 28, 1], layout: 'NHWC', pixels: 'bytes / 255, in [0, 1]' });
    expect(meta.normalize).toEqual({ mean: [0.1307], std: [0.3081] });
    expect(meta.permutePixels.seed).toBe(7);
    // The order itself, so a program outside Trainyard need not reimplement its generator.
    expect(meta.permutePixels.order).toEqual(Array.from(pixelPermutation(7, { height: 28, width: 28 })));
    expect(meta.classNames).toHaveLength(10);
    expect(meta.preprocessing.join(' ')).toMatch(/\/ 255.*\(x − mean\[c\]\) \/ std\[c\].*order\[k\]/);
    expect(meta.spec).toEqual(JSON.parse(JSON.stringify(spec)));
    // TF.js reads it back as the model's metadata.
    const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: (await fs.readFile(path.join(dir, 'weights.bin'))).buffer, userDefinedMetadata: json.userDefinedMetadata }));
    try {
      expect((model.getUserDefinedMetadata() as { trainyard: { normalize: unknown } }).trainyard.normalize).toEqual({ mean: [0.1307], std: [0.3081] });
    } finally {
      model.dispose();
    }
  });

  it('says so in the metadata when a run has no normalisation and no permutation', async () => {
    const dir = path.join(dataDir, 'model-meta-plain');
    await trainExperiment(syntheticFc({ transforms: {} }), { dataDir, saveTo: dir });
    const meta = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8')).userDefinedMetadata.trainyard;
    expect(meta.normalize).toBeNull();
    expect(meta.permutePixels).toBeNull();
  });

  it('leaves tf.memory().numTensors the same after the 1st and the 20th job', async () => {
    const spec = resolveExperimentRequest({
      dataset: 'synthetic',
      model: { type: 'cnn', features: 2, head: 'fc' },
      optimizer: { type: 'adam', lr: 0.01 },
      epochs: 1,
      batchSize: 16,
      testBatchSize: 16,
      limit: 16,
      testLimit: 16,
    });
    // Both optimiser kinds, since each keeps its own slots and scalars.
    const sgd = { ...spec, optimizer: { type: 'sgd' as const, lr: 0.01, momentum: 0.5 } };
    await trainExperiment(spec, { dataDir });
    const afterFirst = tf.memory().numTensors;
    for (let i = 2; i <= 20; i++) await trainExperiment({ ...(i % 2 ? spec : sgd), seed: i }, { dataDir });
    expect(tf.memory().numTensors).toBe(afterFirst);
  }, 120_000);

  describe('a run whose loss turns NaN or infinite', () => {
    // Both bypass the schema, which now refuses std < 1e-3 and lr > 10, as a record from an older
    // version (or a future preset) could: the trainer's guard must hold on its own.
    const divergent: [string, () => ReturnType<typeof resolveExperimentRequest>][] = [
      [
        "a class's input: normalize std 1e-30 scales pixels to 1e30",
        () => ({
          ...presetSpec('mnist-cnn', { dataset: 'synthetic', limit: 1024, testLimit: 200 }),
          transforms: { horizontalFlip: false, normalize: { mean: [0], std: [1e-30] } },
        }),
      ],
      ['an SGD learning rate of 1e6', () => ({ ...syntheticFc({ epochs: 2 }), optimizer: { type: 'sgd' as const, lr: 1e6, momentum: 0.9 } })],
    ];

    it.each(divergent)('fails at the first non-finite loss, naming epoch and batch, and never reports completed (%s)', async (_name, spec) => {
      const before = tf.memory().numTensors;
      const events: TrainingEvent[] = [];
      const run = trainExperiment(spec(), { dataDir, onEvent: (e) => void events.push(e), progressIntervalMs: 0 });
      const err = await run.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NonFiniteLossError);
      const { epoch, batch, loss, name, message } = err as NonFiniteLossError;
      expect(name).toBe('NonFiniteLossError');
      expect(Number.isFinite(loss)).toBe(false);
      expect(message).toContain(`epoch ${epoch}, batch ${batch}`);
      expect(events.map((e) => e.type)).not.toContain('completed');
      // Every number reported before the failure was finite (JSON would have made it null).
      expect(findNonFinite(events, 'events')).toBeNull();
      // It is the first non-finite batch: every earlier progress report had a finite loss.
      const reported = events.filter((e): e is Extract<TrainingEvent, { type: 'progress' }> => e.type === 'progress');
      expect(reported.every((p) => p.epoch < epoch || (p.epoch === epoch && p.batch < batch))).toBe(true);
      expect(tf.memory().numTensors).toBe(before);
    }, 60_000);

    it('findNonFinite names the first NaN or Infinity anywhere in an event', () => {
      expect(findNonFinite({ type: 'epoch', testLoss: 0.5, m: [[1, 2]] }, 'epoch')).toBeNull();
      expect(findNonFinite({ result: { confusionMatrix: [[1, 2], [3, NaN]] } }, 'completed')).toEqual({ field: 'completed.result.confusionMatrix[1][1]', value: NaN });
      expect(findNonFinite({ testLoss: -Infinity }, 'epoch')).toEqual({ field: 'epoch.testLoss', value: -Infinity });
    });
  });
});
