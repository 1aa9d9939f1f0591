import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '@trainyard/contracts';
import { BackendUnavailableError, buildModel, COURSE_MODELS, createOptimizer, crossEntropy, initBackend, nativeInputShape } from '@trainyard/training';
import { median } from './percentiles';

import { BENCH_BATCH, type BenchModel } from './bench-models';

export { BENCH_BATCH, BENCH_MODELS, type BenchModel } from './bench-models';

export interface StepPlan {
  /** Timed steps (at most: see maxSeconds). */
  steps: number;
  warmup: number;
  /** Stop timing once this much has passed and at least MIN_STEPS ran: the cpu backend's convs are slow. */
  maxSeconds: number;
}

export interface StepTiming {
  steps: number;
  medianMs: number;
  imgPerSec: number;
}

const MIN_STEPS = 3;
const SLOW_STEP_MS = 1000;

/** Switches TF.js to `backend`; the reason it cannot run when it cannot. */
export async function useBackend(backend: BackendName, log?: (m: string) => void): Promise<{ ok: true; reason: string } | { ok: false; why: string }> {
  try {
    const selection = await initBackend(backend, log);
    return { ok: true, reason: selection.reason };
  } catch (err) {
    if (err instanceof BackendUnavailableError) return { ok: false, why: err.why };
    throw err;
  }
}

/**
 * Median time of one training step (forward, backward, SGD lr 0.01 momentum 0.5) of a course model
 * on the current backend, on one random batch reused every step, as bench/pytorch_throughput.py
 * does. Reading the loss back each step makes sure the step finished before the clock stops.
 */
export function timeTrainingStep(name: BenchModel, plan: StepPlan): StepTiming {
  const spec = COURSE_MODELS.find((m) => m.name === name)!.spec;
  const batch = BENCH_BATCH[name];
  const shape = nativeInputShape(spec.type);
  const model = buildModel(spec, shape, 0);
  const optimizer = createOptimizer({ type: 'sgd', lr: 0.01, momentum: 0.5 });
  const x = tf.randomNormal([batch, shape.height, shape.width, shape.channels], 0, 1, 'float32', 1);
  const y = tf.randomUniform([batch], 0, shape.numClasses, 'int32', 2) as tf.Tensor1D;
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const step = () => {
    const loss = tf.tidy(() => optimizer.minimize(() => crossEntropy(model.apply(x, { training: true }) as tf.Tensor2D, y), true, vars)!);
    loss.dataSync();
    loss.dispose();
  };
  try {
    // One warm-up step is enough where a step takes seconds: what it warms (kernels, buffers) is warm.
    for (let i = 0; i < plan.warmup; i++) {
      const t0 = performance.now();
      step();
      if (performance.now() - t0 > SLOW_STEP_MS) break;
    }
    const times: number[] = [];
    const start = performance.now();
    while (times.length < plan.steps && (times.length < MIN_STEPS || performance.now() - start < plan.maxSeconds * 1000)) {
      const t0 = performance.now();
      step();
      times.push(performance.now() - t0);
    }
    const medianMs = median(times);
    return { steps: times.length, medianMs, imgPerSec: (batch * 1000) / medianMs };
  } finally {
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  }
}
