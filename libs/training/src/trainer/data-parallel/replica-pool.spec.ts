import * as tf from '@tensorflow/tfjs';
import { resolveExperimentRequest } from '@trainyard/contracts';
import { initBackend } from '../../backend/backend-selection';
import { buildModel } from '../../models';
import { createOptimizer } from '../optimizer.factory';
import { ReplicaPool } from './replica-pool';

// BatchNorm under data parallelism: each replica normalizes its own shard, then the moving
// statistics are averaged, so every replica's weights (moving mean and variance included) stay
// bit-identical step after step.

beforeAll(async () => {
  await initBackend('wasm');
});

it('keeps every replica of a BatchNorm model (vgg16) bit-identical, moving statistics included', async () => {
  const spec = resolveExperimentRequest({
    dataset: 'synthetic',
    model: { type: 'vgg16', head: 'fc' },
    optimizer: { type: 'sgd', lr: 0.01, momentum: 0.9 },
    epochs: 1,
    batchSize: 5,
    testBatchSize: 5,
    seed: 3,
  });
  const shape = { height: 32, width: 32, channels: 3, numClasses: 10 };
  const model = buildModel(spec.model, shape, spec.seed);
  const optimizer = createOptimizer(spec.optimizer);
  const movingNames = model.nonTrainableWeights.map((w) => w.name);
  expect(movingNames.some((name) => /moving_mean/.test(name))).toBe(true);
  const initial = model.weights.map((w) => w.read().dataSync().slice());
  const pool = await ReplicaPool.start(spec, model, optimizer, shape, 2);
  try {
    for (let step = 0; step < 2; step++) {
      // Shards of 3 and 2 images, of different statistics, so each replica's BatchNorm sees its own.
      const { x, y } = pool.into(5);
      x.forEach((_, i) => (x[i] = Math.sin(i * (step + 1) * 0.37) * (i < x.length * 0.6 ? 1 : 3)));
      y.forEach((_, i) => (y[i] = (i * 3 + step) % 10));
      const { loss } = await pool.step(5);
      expect(Number.isFinite(loss)).toBe(true);
    }
    const [own, other] = await pool.replicaWeights();
    expect(other).toHaveLength(own.length);
    other.forEach((w, i) => expect(Buffer.from(w.buffer, w.byteOffset, w.byteLength).equals(Buffer.from(own[i].buffer, own[i].byteOffset, own[i].byteLength))).toBe(true));
    // The moving statistics did move: the check above compares trained values, not the initial ones.
    const moving = model.weights.map((w, i) => ({ name: w.name, i })).filter((w) => movingNames.includes(w.name));
    expect(moving.some(({ i }) => own[i].some((v, j) => v !== initial[i][j]))).toBe(true);
  } finally {
    await pool.close();
    optimizer.dispose();
    model.dispose();
  }
  expect(tf.memory().numTensors).toBe(0);
}, 300_000);
