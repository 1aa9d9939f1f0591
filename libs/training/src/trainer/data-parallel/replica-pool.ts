import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { ExperimentSpec } from '@trainyard/contracts';
import { optimizerState } from '../optimizer.factory';
import { applyAverage, computeShard, slotLength, weightedAverage, type SampleShape } from './replica-step';
import type { FromReplica, TensorValues, ToReplica } from './replica.protocol';
import { ReplicaThreadError } from './replica-thread.error';
import { shardBatch, type Shard } from './shards';
import { StepMemory } from './step-memory';

/** The backends whose replicas can run in worker threads: both are plain JS/wasm, one core each. */
export const DATA_PARALLEL_BACKENDS: readonly string[] = ['wasm', 'cpu'];

interface Waiter {
  expect: FromReplica['type'];
  resolve: (message: FromReplica) => void;
  reject: (err: Error) => void;
}

interface Replica {
  worker: Worker;
  waiters: Waiter[];
  exited: Promise<void>;
}

/**
 * Data-parallel training on `threads` replicas: this thread's model is replica 0, and each of
 * `threads − 1` worker threads holds its own TF.js and a copy of the model and optimizer.
 *
 * A step (see step()): the batch sits in shared memory; each replica computes its contiguous
 * shard's gradients (sizes differ by at most 1) into its slot; once all have, each replica
 * averages the slots weighted by shard size, in replica order, and applies the result with its
 * own optimizer. Every replica does the same float operations on the same inputs, so the
 * replicas stay bit-identical and a run is deterministic for a given seed and thread count,
 * whatever the threads' timing.
 *
 * BatchNorm: each replica normalizes its shard with the shard's own batch statistics (as
 * PyTorch's DataParallel and DistributedDataParallel without SyncBatchNorm do), so with
 * BatchNorm, N threads train a slightly different model from one thread (smaller normalization
 * batches). The moving mean and variance each replica updated from its shard are then averaged,
 * weighted by shard size, and every replica takes that average: the moving mean follows the
 * whole batch's mean exactly; the moving variance follows the mean of the shards' variances
 * (it misses the spread between shard means). DataParallel instead keeps replica 0's alone.
 *
 * Memory: each thread holds a copy of the model and optimizer state, and the shared slots take
 * 2 × threads × (parameters + BatchNorm statistics) × 4 bytes (vgg16, ~9.2M parameters, on 2
 * threads: ~150 MB).
 *
 * Never blocks this thread's event loop waiting (no Atomics.wait): replies come by postMessage.
 * A thread that throws or exits fails the step with ReplicaThreadError; close() terminates them all.
 */
export class ReplicaPool {
  private readonly replicas: Replica[] = [];
  private readonly average: Float32Array;
  private failure: ReplicaThreadError | undefined;
  private closed = false;
  private steps = 0;

  private constructor(
    private readonly model: tf.LayersModel,
    private readonly optimizer: tf.Optimizer,
    private readonly shape: SampleShape,
    readonly memory: StepMemory,
    readonly threads: number,
  ) {
    this.average = new Float32Array(memory.init.slotLength);
  }

  /**
   * Starts `threads − 1` replica threads on this thread's TF.js backend (wasm or cpu), each a copy
   * of `model` (weights, BatchNorm statistics) and `optimizer` (its state) as they are now: call it
   * after building or resuming. Resolves once every thread is ready; throws ReplicaThreadError if
   * one fails to start (the others are terminated).
   */
  static async start(
    spec: ExperimentSpec,
    model: tf.LayersModel,
    optimizer: tf.Optimizer,
    shape: SampleShape & { numClasses: number },
    threads: number,
  ): Promise<ReplicaPool> {
    const backend = tf.getBackend();
    if (!DATA_PARALLEL_BACKENDS.includes(backend)) throw new Error(`data-parallel training runs on ${DATA_PARALLEL_BACKENDS.join(' or ')}, not ${backend}`);
    const memory = StepMemory.allocate(threads, spec.batchSize, shape.height * shape.width * shape.channels, slotLength(model));
    const pool = new ReplicaPool(model, optimizer, shape, memory, threads);
    const weights = model.weights.map((w) => values(w.name, w.read()));
    const state = await optimizerState(optimizer);
    let optimizerValues: TensorValues[];
    try {
      optimizerValues = state.map((s) => values(s.name, s.tensor));
    } finally {
      tf.dispose(state.map((s) => s.tensor));
    }
    try {
      const ready: Promise<FromReplica>[] = [];
      for (let replica = 1; replica < threads; replica++) {
        pool.spawn(replica);
        ready.push(
          pool.request(replica, {
            type: 'init',
            replica,
            backend,
            model: spec.model,
            seed: spec.seed,
            optimizer: spec.optimizer,
            shape,
            weights,
            optimizerState: optimizerValues,
            memory: memory.init,
          }, 'ready'),
        );
      }
      await Promise.all(ready);
      return pool;
    } catch (err) {
      await pool.close();
      throw err;
    }
  }

  /** Shared-memory batch buffers for the batch generator (BatchOptions.into). */
  readonly into = (n: number) => ({ x: this.memory.x.subarray(0, n * this.memory.init.sampleSize), y: this.memory.y.subarray(0, n) });

  /**
   * One SGD step on the batch of `n` samples that the generator wrote into `memory` (through
   * `into`). Returns the whole batch's mean loss (the shards' losses weighted by size) and its
   * number of correct predictions. Throws ReplicaThreadError if a thread failed.
   */
  async step(n: number): Promise<{ loss: number; correct: number }> {
    this.throwIfFailed();
    const shards = shardBatch(n, this.threads);
    const parity = this.steps++ & 1;
    const computed = Promise.all(this.replicas.map((_, i) => this.request(i + 1, { type: 'compute', parity, shards }, 'computed')));
    // Handled even if replica 0's own shard throws first and it is never awaited.
    computed.catch(() => undefined);
    // Replica 0's shard meanwhile, on this thread.
    if (shards[0].count > 0) {
      const { loss, correct } = computeShard(this.model, this.shape, this.memory.shard(shards[0].start, shards[0].count), this.memory.slot(parity, 0));
      this.memory.writeStats(parity, 0, loss, correct);
    }
    await computed;
    this.replicas.forEach((_, i) => this.post(i + 1, { type: 'apply', parity, shards }));
    weightedAverage(this.memory.slots(parity), shards, this.average);
    applyAverage(this.model, this.optimizer, this.average);
    return this.batchStats(parity, shards);
  }

  /** Every replica's weights (model.weights order), replica 0 first: for checks that they agree. */
  async replicaWeights(): Promise<Float32Array[][]> {
    this.throwIfFailed();
    const others = await Promise.all(this.replicas.map((_, i) => this.request(i + 1, { type: 'read-weights' }, 'weights')));
    const own = this.model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
    return [own, ...others.map((m) => (m as Extract<FromReplica, { type: 'weights' }>).weights)];
  }

  /** Terminates every replica thread and waits until each has exited. Idempotent; never throws. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.replicas.map((r) => r.worker.terminate().then(() => r.exited, () => r.exited)));
  }

  private batchStats(parity: number, shards: Shard[]): { loss: number; correct: number } {
    let loss = 0;
    let correct = 0;
    let n = 0;
    shards.forEach((s, i) => {
      if (s.count === 0) return;
      const stats = this.memory.readStats(parity, i);
      loss += s.count * stats.loss;
      correct += stats.correct;
      n += s.count;
    });
    return { loss: n ? loss / n : 0, correct };
  }

  private spawn(replica: number): void {
    const worker = startReplicaThread();
    const entry: Replica = { worker, waiters: [], exited: new Promise((resolve) => worker.once('exit', () => resolve())) };
    this.replicas[replica - 1] = entry;
    worker.on('message', (message: FromReplica) => {
      if (message.type === 'failed') return this.fail(replica, message.stack ?? message.message);
      const waiter = entry.waiters.shift();
      if (!waiter || waiter.expect !== message.type) return this.fail(replica, `answered ${message.type} out of turn`);
      waiter.resolve(message);
    });
    worker.on('error', (err) => this.fail(replica, err.stack ?? err.message));
    worker.on('messageerror', (err) => this.fail(replica, `a message could not be read: ${err.message}`));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(replica, `the thread exited (code ${code}) while training`);
    });
  }

  private request(replica: number, message: ToReplica, expect: FromReplica['type']): Promise<FromReplica> {
    const entry = this.replicas[replica - 1];
    return new Promise<FromReplica>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      entry.waiters.push({ expect, resolve, reject });
      entry.worker.postMessage(message);
    });
  }

  private post(replica: number, message: ToReplica): void {
    this.replicas[replica - 1].worker.postMessage(message);
  }

  /** The first failure wins; every waiter of every thread is rejected with it. */
  private fail(replica: number, why: string): void {
    if (this.closed && !this.failure) return;
    this.failure ??= new ReplicaThreadError(replica, this.threads, why);
    for (const r of this.replicas) for (const w of r.waiters.splice(0)) w.reject(this.failure);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}

function values(name: string, tensor: tf.Tensor): TensorValues {
  const dtype = tensor.dtype === 'int32' ? 'int32' : 'float32';
  return { name, values: tensor.dataSync().slice() as Float32Array | Int32Array, shape: [...tensor.shape], dtype };
}

/**
 * The compiled thread (dist/…/replica.thread.js) beside this file; run from the TypeScript
 * sources (the unit tests), the same file compiled on load by @swc/core, the compiler the tests
 * already use (a devDependency: only the sources need it).
 */
function startReplicaThread(): Worker {
  const ext = path.extname(__filename);
  const entry = path.join(__dirname, `replica.thread${ext}`);
  if (ext === '.js') return new Worker(entry);
  const bootstrap = `
    const fs = require('node:fs');
    const { transformSync } = require('@swc/core');
    const options = { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } };
    require.extensions['.ts'] = (module, filename) => module._compile(transformSync(fs.readFileSync(filename, 'utf8'), { ...options, filename }).code, filename);
    require(${JSON.stringify(entry)});
  `;
  return new Worker(bootstrap, { eval: true });
}
