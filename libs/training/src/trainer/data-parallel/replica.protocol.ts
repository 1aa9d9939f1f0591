import type { ModelSpec, OptimizerSpec } from '@trainyard/contracts';
import type { SampleShape } from './replica-step';
import type { Shard } from './shards';
import type { StepMemoryInit } from './step-memory';

// Messages between the training thread (replica 0) and each replica thread, by postMessage
// (structured clone: typed arrays and SharedArrayBuffers pass; the latter are shared, not copied).

/** A tensor's values, as it crosses to a thread. */
export interface TensorValues {
  name: string;
  values: Float32Array | Int32Array;
  shape: number[];
  dtype: 'float32' | 'int32';
}

export type ToReplica =
  | {
      type: 'init';
      replica: number;
      /** The TF.js backend to run: the training thread's own ('wasm' or 'cpu'). */
      backend: string;
      model: ModelSpec;
      seed: number;
      optimizer: OptimizerSpec;
      shape: SampleShape & { numClasses: number };
      /** Replica 0's weights (model.weights order) and optimizer state, so every replica starts from them. */
      weights: TensorValues[];
      optimizerState: TensorValues[];
      memory: StepMemoryInit;
    }
  /** Compute this replica's shard of the batch now in shared memory; answer `computed`. */
  | { type: 'compute'; parity: number; shards: Shard[] }
  /** Every replica has computed: average the slots and step. No answer. */
  | { type: 'apply'; parity: number; shards: Shard[] }
  /** Send back this replica's weights (model.weights order), for checks. */
  | { type: 'read-weights' };

export type FromReplica =
  | { type: 'ready' }
  | { type: 'computed' }
  | { type: 'weights'; weights: Float32Array[] }
  | { type: 'failed'; message: string; stack?: string };
