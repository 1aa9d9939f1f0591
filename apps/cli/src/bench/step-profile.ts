import * as tf from '@tensorflow/tfjs';
import { buildModel, COURSE_MODELS, createOptimizer, createRng, crossEntropy, generateSynthetic, iterateBatches, nativeInputShape } from '@trainyard/training';
import { BENCH_BATCH, type BenchModel } from './bench-models';
import { summarizeProfile, type StepPhases, type StepProfile } from './profile-summary';
import type { StepPlan } from './training-throughput';

export type { StepProfile } from './profile-summary';

const MIN_STEPS = 3;

/**
 * Where one training step of a course model spends its time on the current backend, in this
 * thread (ms per step, medians; SGD lr 0.01 momentum 0.5, as the step bench). Each phase is
 * timed on its own, with a read-back at its end, so that work an async backend queued is
 * counted in its own phase and not the next:
 *
 * - data: the next batch from the trainer's data path (iterateBatches over a synthetic set of
 *   the model's input shape, shuffled) and its x and y tensors, as trainExperiment builds them;
 * - forward: model.apply + cross-entropy, outside any gradient tape; the loss read back;
 * - backward: tf.variableGrads (forward on the tape, then the gradients) minus that step's
 *   forward; it reads back the first layer's kernel gradient, which backprop computes last;
 * - optimizer: optimizer.applyGradients; it reads back the last variable, which it updates last.
 *
 * The phases run one after another on one batch per step, so a profiled step costs one forward
 * more than a training step. For the kernels inside each phase, see
 * libs/training/bench/training-step-profile.bench.ts.
 */
export function profileTrainingStep(name: BenchModel, plan: StepPlan): StepProfile {
  const spec = COURSE_MODELS.find((m) => m.name === name)!.spec;
  const batch = BENCH_BATCH[name];
  const shape = nativeInputShape(spec.type);
  const image = { height: shape.height, width: shape.width, channels: shape.channels };
  const model = buildModel(spec, shape, 0);
  const optimizer = createOptimizer({ type: 'sgd', lr: 0.01, momentum: 0.5 });
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  // Two batches' worth, drawn again each epoch: the data path's cost does not depend on the set's size.
  const train = generateSynthetic({ shape: image, limit: 2 * batch, testLimit: 1, seed: 0 }).train;
  const rng = createRng('bench:profile');
  const epoch = () => iterateBatches(train, image, { batchSize: batch, shuffle: true, rng, transforms: {}, train: true });
  let batches = epoch();
  const phases = (): StepPhases => {
    const t0 = performance.now();
    let next = batches.next();
    if (next.done) next = (batches = epoch()).next();
    const b = next.value!;
    const x = tf.tensor4d(b.x, [b.n, image.height, image.width, image.channels]);
    const y = tf.tensor1d(b.y, 'int32');
    const t1 = performance.now();
    const loss = () => crossEntropy(model.apply(x, { training: true }) as tf.Tensor2D, y);
    try {
      const forward = tf.tidy(loss);
      forward.dataSync();
      forward.dispose();
      const t2 = performance.now();
      const { value, grads } = tf.variableGrads(loss, vars);
      grads[vars[0].name].dataSync();
      const t3 = performance.now();
      optimizer.applyGradients(grads);
      vars.at(-1)!.dataSync();
      const t4 = performance.now();
      tf.dispose([value, ...Object.values(grads)]);
      return { dataMs: t1 - t0, forwardMs: t2 - t1, forwardBackwardMs: t3 - t2, optimizerMs: t4 - t3 };
    } finally {
      tf.dispose([x, y]);
    }
  };
  try {
    for (let i = 0; i < plan.warmup; i++) {
      const t0 = performance.now();
      phases();
      if (performance.now() - t0 > 1000) break; // what a slow step warms is warm after one
    }
    const samples: StepPhases[] = [];
    const start = performance.now();
    while (samples.length < plan.steps && (samples.length < MIN_STEPS || performance.now() - start < plan.maxSeconds * 1000)) samples.push(phases());
    return summarizeProfile(samples);
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
