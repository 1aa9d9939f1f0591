'use strict';
// A Trainer module for e2e tests: the real, built libs/training with faults injected on demand,
// loaded by a worker through its `trainerModule` override (test/support/worker-entry.js).
// - FAULT_BLOCK_FIRST_STEP_MS=<ms> (environment): the first training step of a run blocks its
//   thread synchronously for that long, like a big convolution step on a slow backend does.
// - FAULT_SLOW_BATCH_MS=<ms> and FAULT_SLOW_BATCH_MARKER=<file>: one batch of one run (past its
//   first) blocks its thread synchronously for that long, in whichever training process creates
//   the marker file first (so a run resumed elsewhere does not block again). The file, written
//   just before the block, holds {worker, epoch, batch} as JSON: a test acts while the batch runs.
// - a spec whose seed is CRASH_SEED: training dies with the error the wasm backend throws on
//   "memory access out of bounds", and leaves this module's backend broken, as wasm does: every
//   later run in the same thread or process then fails where the trainer builds its model, which
//   libs/training reports as an IncompatibleSpecError.
const fs = require('node:fs');
const training = require('@trainyard/training');

const CRASH_SEED = 666013;
let backendBroken = false;

function blockSynchronously(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

async function trainExperiment(spec, options) {
  if (backendBroken) throw new training.IncompatibleSpecError(`${spec.model.type} on ${spec.dataset}: memory access out of bounds`);
  if (spec.seed === CRASH_SEED) {
    backendBroken = true;
    throw new WebAssembly.RuntimeError('memory access out of bounds');
  }
  const blockMs = Number(process.env.FAULT_BLOCK_FIRST_STEP_MS ?? 0);
  const slowBatchMs = Number(process.env.FAULT_SLOW_BATCH_MS ?? 0);
  let blocked = false;
  return training.trainExperiment(spec, {
    ...options,
    onEvent: async (event) => {
      if (event.type === 'progress' && !blocked && blockMs > 0) {
        blocked = true;
        blockSynchronously(blockMs);
      }
      // A progress event is emitted right after its batch's step, inside the batch loop: blocking
      // here lengthens that batch, before the trainer's next between-batches abort check.
      if (event.type === 'progress' && event.batch > 1 && slowBatchMs > 0 && claimSlowBatch(event)) blockSynchronously(slowBatchMs);
      await options.onEvent?.(event);
    },
  });
}

function claimSlowBatch(event) {
  try {
    fs.writeFileSync(process.env.FAULT_SLOW_BATCH_MARKER, JSON.stringify({ worker: process.env.WORKER_NAME, epoch: event.epoch, batch: event.batch }), { flag: 'wx' });
    return true;
  } catch (err) {
    if (err.code === 'EEXIST') return false;
    throw err;
  }
}

module.exports = { trainExperiment, initBackend: training.initBackend, CRASH_SEED };
