import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { forwardFlopsPerSample, TRAINING_FLOPS_PER_FORWARD, type BackendName, type EpochSummary, type ExperimentSpec, type TrainingEvent, type TrainingResult } from '@trainyard/contracts';
import { batchSources } from './batch-sources';
import { loadDataset } from '../data/load-dataset';
import type { Dataset } from '../data/dataset.types';
import { buildModel, countParams, nativeInputShape, type InputShape } from '../models';
import { evaluate, yieldToEventLoop } from './evaluate';
import { countCorrect, crossEntropy } from './loss';
import { saveModel } from './model-io';
import { modelMetadata } from './model-metadata';
import { CHECKPOINT_FILE, disposeCheckpoint, readCheckpoint, specHash, writeCheckpoint, type CheckpointState } from './checkpoint';
import { CheckpointMismatchError } from './checkpoint-mismatch.error';
import { NonFiniteLossError } from './non-finite-loss.error';
import { findNonFinite, NonFiniteMetricError } from './non-finite-metric.error';
import { createOptimizer, optimizerState, restoreOptimizerState } from './optimizer.factory';
import { IncompatibleSpecError, TrainingCancelledError, type TrainOptions } from './trainer.types';
import { DATA_PARALLEL_BACKENDS, ReplicaPool } from './data-parallel/replica-pool';
import { MIN_SHARD_TRAINING_FLOPS, replicasFor } from './data-parallel/shards';

/**
 * Trains one experiment in this process: a fresh model per call, every tensor freed at the end,
 * whatever happens. Knows nothing of queues or terminals; callers adapt its events. Reports
 * `started`, `resumed`, `progress` and `epoch` through `onEvent`, and returns the result: it never
 * emits `completed`, which its caller builds from the result.
 *
 * Throws TrainingCancelledError when `signal` aborts, IncompatibleSpecError when the spec cannot
 * train on its data, NonFiniteLossError at the first NaN/±Infinity training loss (naming its epoch
 * and batch), NonFiniteMetricError before any other non-finite number would be reported, and
 * CheckpointMismatchError when `checkpoint.dir` holds another spec's checkpoint, and
 * ReplicaThreadError when a data-parallel thread (`options.threads` > 1) throws or dies; every
 * such thread is terminated before it returns or throws.
 */
export async function trainExperiment(spec: ExperimentSpec, options: TrainOptions): Promise<TrainingResult> {
  // Every event, and the result, pass this one gate: no NaN or Infinity is ever reported (JSON
  // would carry it as null), least of all in a success.
  const emit = async (event: TrainingEvent) => {
    assertFinite(event, event.type);
    await options.onEvent?.(event);
  };
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
  const checkpointDir = options.checkpoint?.dir;
  const hash = checkpointDir ? specHash(spec) : '';
  let pool: ReplicaPool | undefined;
  try {
    const resume = checkpointDir ? await resumeFrom(checkpointDir, hash, model, optimizer, sources) : null;
    // After the resume: every replica starts from replica 0's weights and optimizer state.
    pool = await startReplicas(spec, model, optimizer, input, options);
    const params = countParams(model);
    await emit({
      type: 'started',
      backend,
      threads: pool?.threads ?? 1,
      worker: options.worker,
      params,
      trainSamples: dataset.train.count,
      testSamples: dataset.test.count,
      epochs: spec.epochs,
      batches: sources.trainBatches,
      // In the run's own history, so the student sees it, not only the worker's log.
      ...(dataset.warnings?.length ? { warnings: [...dataset.warnings] } : {}),
    });
    if (resume) {
      // The run's time so far, as the worker times an attempt (epochs with their test passes, and
      // the current epoch's batches): it counts against the run's time limit.
      const trainedSeconds = resume.epochs.reduce((sum, e) => sum + e.seconds, 0) + resume.running.trainMs / 1000;
      await emit({ type: 'resumed', fromEpoch: resume.epochsDone + 1, fromBatch: resume.batchesDone, trainedSeconds });
    }
    const interval = options.progressIntervalMs ?? 250;
    const epochs: EpochSummary[] = resume ? [...resume.epochs] : [];
    let trainSeconds = resume?.trainSeconds ?? 0;
    const save = async (epochsDone: number, position: { order: Int32Array | null; batchesDone: number }, running: CheckpointState['running']) => {
      if (!checkpointDir) return;
      // The layers' own variables, not copies: nothing steps while the checkpoint is written.
      const weights = model.getWeights();
      const optimizerTensors = await optimizerState(optimizer);
      try {
        await writeCheckpoint(checkpointDir, {
          specHash: hash,
          epochsDone,
          batchesDone: position.batchesDone,
          rng: sources.rngState(),
          order: position.order,
          pixelPermutation: sources.pixelPermutation,
          running,
          trainSeconds,
          epochs,
          weights,
          optimizer: optimizerTensors,
        });
      } finally {
        tf.dispose(optimizerTensors.map((t) => t.tensor));
      }
    };
    for (let epoch = (resume?.epochsDone ?? 0) + 1; epoch <= spec.epochs; epoch++) {
      // Only the first epoch of a resumed run continues mid-way; later ones start afresh. A saved
      // order counts even at batch 0: the generator it was drawn from has moved past it.
      const mid = resume && epoch === resume.epochsDone + 1 && (resume.batchesDone > 0 || resume.order !== null) ? resume : null;
      const { order, batches } = sources.train(mid ? { order: mid.order, startBatch: mid.batchesDone } : undefined, pool?.into);
      const epochStart = Date.now() - (mid?.running.trainMs ?? 0);
      // Loss and accuracy stay on the device until a report is due: reading every batch would
      // force a sync per step, which costs real throughput on a GPU.
      let pending: { loss: tf.Scalar; correct: tf.Scalar; n: number; batch: number }[] = [];
      let lossSum = mid?.running.lossSum ?? 0;
      let correctSum = mid?.running.correctSum ?? 0;
      let seen = mid?.running.seen ?? 0;
      let lastReport = 0;
      let batchIndex = mid?.batchesDone ?? 0;
      const drain = async () => {
        const values = await Promise.all(pending.flatMap((p) => [p.loss.data(), p.correct.data()]));
        // The last batch drained: the one a progress event reports on its own.
        const last = { loss: 0, accuracy: 0 };
        const drained = pending;
        pending = [];
        try {
          drained.forEach((p, i) => {
            const batchLoss = values[2 * i][0];
            // In batch order, so the error names the first batch that diverged.
            if (!Number.isFinite(batchLoss)) throw new NonFiniteLossError(epoch, p.batch, batchLoss);
            const correct = values[2 * i + 1][0];
            lossSum += batchLoss * p.n;
            correctSum += correct;
            seen += p.n;
            last.loss = batchLoss;
            last.accuracy = p.n ? correct / p.n : 0;
          });
        } finally {
          drained.forEach((p) => (p.loss.dispose(), p.correct.dispose()));
        }
        return last;
      };
      // Between batches only: the pending steps are read back first, so the checkpoint's sums,
      // weights and generator position all stand after the same batch.
      const stopIfAborted = async (trainMs = Date.now() - epochStart) => {
        if (!options.signal?.aborted) return;
        await drain();
        try {
          await save(epoch - 1, { order, batchesDone: batchIndex }, { lossSum, correctSum, seen, trainMs });
        } catch (err) {
          options.log?.(`checkpoint on abort not written: ${err instanceof Error ? err.message : String(err)}`);
        }
        throwIfAborted();
      };
      try {
        // Driven by hand rather than for…of: the abort check must come before the next batch is
        // drawn, since drawing it moves the generator (crops, flips) past what was trained.
        for (;;) {
          await stopIfAborted();
          const next = batches.next();
          if (next.done) break;
          const batch = next.value;
          batchIndex++;
          const { loss, correct } = pool ? await parallelStep(pool, batch.n) : trainStep(model, optimizer, batch, input);
          pending.push({ loss, correct, n: batch.n, batch: batchIndex });
          const now = Date.now();
          const last = batchIndex === sources.trainBatches;
          if (batchIndex === 1 || last || now - lastReport >= interval) {
            lastReport = now;
            const lastBatch = await drain();
            await emit({
              type: 'progress',
              epoch,
              epochs: spec.epochs,
              batch: batchIndex,
              batches: sources.trainBatches,
              loss: lastBatch.loss,
              batchAccuracy: lastBatch.accuracy,
              runningAccuracy: seen ? correctSum / seen : 0,
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
      const test = await evaluate(model, dataset, sources.test, options.signal);
      if (!test) {
        // Stopped during the test pass: the checkpoint holds the epoch trained to its last batch,
        // and a resumed run evaluates it (the test pass draws nothing from the generator).
        await stopIfAborted(epochTrainMs);
        throw new TrainingCancelledError(abortReason(options.signal!));
      }
      trainSeconds += epochTrainMs / 1000;
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
      if (epoch < spec.epochs) {
        // After the epoch event: a crash between the two replays this epoch (its event may then
        // appear twice, which the store can drop by epoch number) rather than losing its event.
        await save(epoch, { order: null, batchesDone: 0 }, { lossSum: 0, correctSum: 0, seen: 0, trainMs: 0 });
        throwIfAborted();
        continue;
      }
      if (options.saveTo) {
        const metadata = modelMetadata(spec, model.inputs[0].shape, dataset.classNames, sources.pixelPermutation);
        await saveModel(model, options.saveTo, { trainyard: metadata });
      }
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
        threads: pool?.threads ?? 1,
        seconds: (Date.now() - started) / 1000,
        epochs,
      };
      // Returned, not emitted: the caller reports `completed` (the worker's handler is its one writer).
      assertFinite(result, 'completed.result');
      return result;
    }
    throw new Error('unreachable: training ended without a final epoch');
  } finally {
    await pool?.close();
    optimizer.dispose();
    model.dispose();
  }
}

/**
 * The replica threads for `options.threads` > 1 on wasm or cpu; undefined for one thread, or on a
 * native backend (which uses every core itself: logged, and the option ignored).
 */
async function startReplicas(
  spec: ExperimentSpec,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  input: InputShape,
  options: TrainOptions,
): Promise<ReplicaPool | undefined> {
  const requested = options.threads ?? 1;
  if (!Number.isInteger(requested) || requested < 1) throw new RangeError(`threads must be a positive integer, got ${requested}`);
  if (requested === 1) return undefined;
  const backend = tf.getBackend();
  if (!DATA_PARALLEL_BACKENDS.includes(backend)) {
    options.log?.(`threads: ${requested} ignored: the ${backend} backend already uses every core`);
    return undefined;
  }
  const perSample = TRAINING_FLOPS_PER_FORWARD * forwardFlopsPerSample(spec.model, input, input.numClasses);
  const threads = replicasFor(requested, spec.batchSize, perSample);
  if (threads < requested) {
    const mflops = ((spec.batchSize * perSample) / 1e6).toFixed(1);
    options.log?.(
      `threads: ${threads} of ${requested}: a batch of ${spec.batchSize} is ${mflops} MFLOP of training, too little to share further ` +
        `(a thread's shard needs ${MIN_SHARD_TRAINING_FLOPS / 1e6} MFLOP to gain)`,
    );
    if (threads === 1) return undefined;
  }
  const pool = await ReplicaPool.start(spec, model, optimizer, input, threads);
  options.log?.(`threads: training on ${threads} data-parallel replicas (${backend})`);
  return pool;
}

/** The batch's loss and correct count as tensors, as the one-thread step gives them to the caller. */
async function parallelStep(pool: ReplicaPool, n: number): Promise<{ loss: tf.Scalar; correct: tf.Scalar }> {
  const { loss, correct } = await pool.step(n);
  return { loss: tf.scalar(loss), correct: tf.scalar(correct, 'int32') };
}

/** Throws NonFiniteMetricError naming the first NaN or ±Infinity in `value` (`at`: its path's head). */
function assertFinite(value: unknown, at: string): void {
  const bad = findNonFinite(value, at);
  if (bad) throw new NonFiniteMetricError(bad.field, bad.value);
}

/**
 * Loads the checkpoint in `dir` into the fresh model, optimizer and batch generator, and returns
 * where training continues; null when there is none. Refuses another spec's checkpoint.
 */
async function resumeFrom(
  dir: string,
  hash: string,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  sources: ReturnType<typeof batchSources>,
): Promise<Omit<CheckpointState, 'weights' | 'optimizer'> | null> {
  const saved = await readCheckpoint(dir);
  if (!saved) return null;
  try {
    const file = path.join(dir, CHECKPOINT_FILE);
    if (saved.specHash !== hash) throw new CheckpointMismatchError(file, 'was written for another spec; delete it to start afresh');
    if (!sameInts(saved.pixelPermutation, sources.pixelPermutation)) {
      throw new CheckpointMismatchError(file, 'its pixel permutation differs from the one this version derives from the spec');
    }
    if (saved.weights.length !== model.weights.length) {
      throw new CheckpointMismatchError(file, `holds ${saved.weights.length} weights, the model has ${model.weights.length}`);
    }
    // model.weights includes the non-trainable BatchNorm moving mean and variance, so they resume too.
    model.setWeights(saved.weights);
    await restoreOptimizerState(optimizer, saved.optimizer);
    sources.restoreRng(saved.rng);
    const { weights: _w, optimizer: _o, ...position } = saved;
    return position;
  } finally {
    disposeCheckpoint(saved);
  }
}

function sameInts(a: Int32Array | null, b: Int32Array | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * The model and batches for this data. Only a real shape check calls the spec incompatible
 * (IncompatibleSpecError, never retried): TF.js layers' ValueError ("Negative dimension size…"),
 * or a layer whose output is empty. Anything else (a wasm RuntimeError, out of memory) is not the
 * spec's fault and goes up unchanged, so the worker can treat it as a backend failure.
 */
function prepare(spec: ExperimentSpec, dataset: Dataset, input: InputShape) {
  const where = `${spec.model.type} on ${dataset.name} (${input.height}×${input.width}×${input.channels})`;
  let model: tf.Sequential | undefined;
  try {
    const sources = batchSources(dataset, spec);
    model = buildModel(spec.model, input, spec.seed);
    const collapsed = model.layers.find((l) => (l.outputShape as (number | null)[]).some((d) => d === 0));
    if (collapsed) throw new IncompatibleSpecError(`${where}: the images are too small: layer ${collapsed.name} has an empty output`);
    return { model, sources };
  } catch (err) {
    model?.dispose();
    if (err instanceof IncompatibleSpecError || isLayersValueError(err)) throw new IncompatibleSpecError(`${where}: ${err.message}`);
    throw err;
  }
}

/** tfjs-layers' ValueError (Python's ValueError: bad shapes or arguments); the class is not exported, its name is kept in every bundle. */
function isLayersValueError(err: unknown): err is Error {
  return err instanceof Error && err.constructor.name === 'ValueError';
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
