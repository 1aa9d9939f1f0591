// A replica thread of data-parallel training: its own TF.js (a module instance per thread, so
// its own wasm instance) and its own copy of the model and optimizer. Started by ReplicaPool.
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../../backend/wasm-training-kernels';
import { buildModel } from '../../models';
import { createOptimizer, restoreOptimizerState } from '../optimizer.factory';
import { applyAverage, computeShard, weightedAverage } from './replica-step';
import type { FromReplica, TensorValues, ToReplica } from './replica.protocol';
import { StepMemory } from './step-memory';

type Init = Extract<ToReplica, { type: 'init' }>;

const port = parentPort!;
const send = (message: FromReplica) => port.postMessage(message);
const toTensor = (t: TensorValues) => tf.tensor(t.values, t.shape, t.dtype);

async function start(init: Init) {
  registerWasmTrainingKernels();
  if (!(await tf.setBackend(init.backend))) throw new Error(`replica ${init.replica}: TF.js backend ${init.backend} failed to start`);
  await tf.ready();
  const model = buildModel(init.model, init.shape, init.seed);
  const weights = init.weights.map(toTensor);
  model.setWeights(weights);
  tf.dispose(weights);
  const optimizer = createOptimizer(init.optimizer);
  const state = init.optimizerState.map((t) => ({ name: t.name, tensor: toTensor(t) }));
  await restoreOptimizerState(optimizer, state);
  tf.dispose(state.map((s) => s.tensor));
  const memory = new StepMemory(init.memory);
  const average = new Float32Array(init.memory.slotLength);
  return (message: ToReplica) => {
    switch (message.type) {
      case 'compute': {
        const shard = message.shards[init.replica];
        if (shard.count > 0) {
          const { loss, correct } = computeShard(model, init.shape, memory.shard(shard.start, shard.count), memory.slot(message.parity, init.replica));
          memory.writeStats(message.parity, init.replica, loss, correct);
        }
        send({ type: 'computed' });
        return;
      }
      case 'apply':
        weightedAverage(memory.slots(message.parity), message.shards, average);
        applyAverage(model, optimizer, average);
        return;
      case 'read-weights':
        send({ type: 'weights', weights: model.getWeights().map((w) => w.dataSync().slice() as Float32Array) });
        return;
      case 'init':
        throw new Error(`replica ${init.replica}: initialised twice`);
    }
  };
}

let handle: ((message: ToReplica) => void) | undefined;
port.on('message', (message: ToReplica) => {
  try {
    if (handle) return handle(message);
    if (message.type !== 'init') throw new Error(`replica thread: expected init first, got ${message.type}`);
    start(message).then(
      (h) => {
        handle = h;
        send({ type: 'ready' });
      },
      (err: unknown) => fail(err),
    );
  } catch (err) {
    fail(err);
  }
});

function fail(err: unknown) {
  send(err instanceof Error ? { type: 'failed', message: err.message, stack: err.stack } : { type: 'failed', message: String(err) });
}
