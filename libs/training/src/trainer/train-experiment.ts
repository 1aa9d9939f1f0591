import * as tf from '@tensorflow/tfjs';
import type { BackendName, EpochSummary, ExperimentSpec, TrainingEvent, TrainingResult } from '@trainyard/contracts';
import { batchSources } from './batch-sources';
import { loadDataset } from '../data/load-dataset';
import type { Dataset } from '../data/dataset.types';
import { buildModel, countParams, nativeInputShape, type InputShape } from '../models';
import { evaluate, yieldToEventLoop } from './evaluate';
import { countCorrect, crossEntropy } from './loss';
import { saveModel } from './model-io';
import { createOptimizer } from './optimizer.factory';
import { IncompatibleSpecError, TrainingCancelledError, type TrainOptions } from './trainer.types';

/**
 * Trains one experiment in this process: a fresh model per call, every tensor freed at the end,
 * whatever happens. Knows nothing of queues or terminals; callers adapt its events.
 */
export async function trainExperiment(spec: ExperimentSpec, options: TrainOptions): Promise<TrainingResult> {
  const emit = async (event: TrainingEvent) => options.onEvent?.(event);
  const throwIfAborted = () => {
    if (options.signal?.aborted) throw new TrainingCancelledError(abortReason(options.signal));
  };
  throwIfAborted();
  const native = nativeInputShape(spec.model.type);
  const dataset = await loadDataset(spec.dataset, {
    dataDir: options.dataDir,
    download: options.download,
    shape: { height: native.height, width: native.width, channels: native.channels },
    limit: spec.limit,
    testLimit: spec.testLimit,
    seed: spec.seed,
    signal: options.signal,
    log: options.log,
  });
  throwIfAborted();
  const backend = options.backend ?? currentBackend();
  const input = { height: dataset.height, width: dataset.width, channels: dataset.channels, numClasses: dataset.classNames.length };
  const { model, sources } = prepare(spec, dataset, input);
  const optimizer = createOptimizer(spec.optimizer);
  const started = Date.now();
  try {
    const params = countParams(model);
    await emit({
      type: 'started',
      backend,
      worker: options.worker,
      params,
      trainSamples: dataset.train.count,
      testSamples: dataset.test.count,
      epochs: spec.epochs,
      batches: sources.trainBatches,
    });
    const interval = options.progressIntervalMs ?? 250;
    const epochs: EpochSummary[] = [];
    let trainSeconds = 0;
    for (let epoch = 1; epoch <= spec.epochs; epoch++) {
      const epochStart = Date.now();
      // Loss and accuracy stay on the device until a report is due: reading every batch would
      // force a sync per step, which costs real throughput on a GPU.
      let pending: { loss: tf.Scalar; correct: tf.Scalar; n: number }[] = [];
      let lossSum = 0;
      let correctSum = 0;
      let seen = 0;
      let lastReport = 0;
      let batchIndex = 0;
      const drain = async () => {
        const values = await Promise.all(pending.flatMap((p) => [p.loss.data(), p.correct.data()]));
        let batchLoss = 0;
        pending.forEach((p, i) => {
          batchLoss = values[2 * i][0];
          lossSum += batchLoss * p.n;
          correctSum += values[2 * i + 1][0];
          seen += p.n;
          p.loss.dispose();
          p.correct.dispose();
        });
        pending = [];
        return batchLoss;
      };
      try {
        for (const batch of sources.train()) {
          throwIfAborted();
          batchIndex++;
          const { loss, correct } = trainStep(model, optimizer, batch, input);
          pending.push({ loss, correct, n: batch.n });
          const now = Date.now();
          const last = batchIndex === sources.trainBatches;
          if (batchIndex === 1 || last || now - lastReport >= interval) {
            lastReport = now;
            const batchLoss = await drain();
            await emit({
              type: 'progress',
              epoch,
              epochs: spec.epochs,
              batch: batchIndex,
              batches: sources.trainBatches,
              loss: batchLoss,
              accuracy: seen ? correctSum / seen : 0,
              samplesPerSec: rate(seen, now - epochStart),
            });
          }
          await yieldToEventLoop();
        }
        await drain();
      } finally {
        pending.forEach((p) => (p.loss.dispose(), p.correct.dispose()));
      }
      const epochTrainMs = Date.now() - epochStart;
      trainSeconds += epochTrainMs / 1000;
      throwIfAborted();
      const test = await evaluate(model, dataset, sources.test);
      const summary: EpochSummary = {
        epoch,
        trainLoss: seen ? lossSum / seen : NaN,
        trainAccuracy: seen ? correctSum / seen : 0,
        testLoss: test.loss,
        testAccuracy: test.accuracy,
        seconds: (Date.now() - epochStart) / 1000,
        samplesPerSec: rate(seen, epochTrainMs),
      };
      epochs.push(summary);
      await emit({ type: 'epoch', epochs: spec.epochs, ...summary });
      if (epoch === spec.epochs) {
        if (options.saveTo) await saveModel(model, options.saveTo);
        const result: TrainingResult = {
          model: spec.model.type,
          params,
          testAccuracy: test.accuracy,
          testLoss: test.loss,
          correct: test.correct,
          testSamples: test.samples,
          trainSamples: dataset.train.count,
          perClassAccuracy: test.perClassAccuracy,
          confusionMatrix: test.confusionMatrix,
          samplesPerSec: trainSeconds > 0 ? (dataset.train.count * spec.epochs) / trainSeconds : 0,
          backend,
          seconds: (Date.now() - started) / 1000,
          epochs,
        };
        await emit({ type: 'completed', result });
        return result;
      }
    }
    throw new Error('unreachable: training ended without a final epoch');
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

/** The model and batches for this data; a mismatch the schema did not catch fails as IncompatibleSpecError. */
function prepare(spec: ExperimentSpec, dataset: Dataset, input: InputShape) {
  const where = `${spec.model.type} on ${dataset.name} (${input.height}×${input.width}×${input.channels})`;
  let model: tf.Sequential | undefined;
  try {
    const sources = batchSources(dataset, spec);
    model = buildModel(spec.model, input, spec.seed);
    const collapsed = model.layers.find((l) => (l.outputShape as (number | null)[]).some((d) => d === 0));
    if (collapsed) throw new Error(`the images are too small: layer ${collapsed.name} has an empty output`);
    return { model, sources };
  } catch (err) {
    model?.dispose();
    throw new IncompatibleSpecError(`${where}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function trainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  batch: { x: Float32Array; y: Int32Array; n: number },
  input: { height: number; width: number; channels: number },
): { loss: tf.Scalar; correct: tf.Scalar } {
  return tf.tidy(() => {
    const x = tf.tensor4d(batch.x, [batch.n, input.height, input.width, input.channels]);
    const y = tf.tensor1d(batch.y, 'int32');
    let correct: tf.Scalar | undefined;
    const loss = optimizer.minimize(
      () => {
        const logits = model.apply(x, { training: true }) as tf.Tensor2D;
        correct = tf.keep(countCorrect(logits, y));
        return crossEntropy(logits, y);
      },
      true,
      model.trainableWeights.map((w) => w.read() as tf.Variable),
    ) as tf.Scalar;
    return { loss, correct: correct! };
  });
}

function rate(samples: number, ms: number): number {
  return ms > 0 ? (samples * 1000) / ms : 0;
}

function abortReason(signal: AbortSignal): string {
  const r = signal.reason;
  return r instanceof Error ? r.message : typeof r === 'string' ? r : 'cancelled';
}

function currentBackend(): BackendName {
  const name = tf.getBackend();
  return (name === 'tensorflow' ? 'tensorflow' : name) as BackendName;
}
