'use strict';
// A Trainer module for forked-trainer.spec.ts: what it does is chosen by the `script` training
// option, which also shows that options unknown to the port reach the training process.
class IncompatibleSpecError extends Error {
  constructor(message) {
    super(message);
    this.name = 'IncompatibleSpecError';
  }
}

const started = { type: 'started', backend: 'cpu', params: 1, trainSamples: 1, testSamples: 1, epochs: 1, batches: 1 };

async function trainExperiment(spec, options) {
  switch (options.script) {
    case 'echo': {
      options.log('hello from the training process');
      await options.onEvent(started);
      const { signal, onEvent, log, ...forwarded } = options;
      return { testAccuracy: 0.5, forwarded, spec, pid: process.pid };
    }
    case 'incompatible':
      throw new IncompatibleSpecError('cnn on synthetic (28×28×1): normalize mean has 3 values');
    case 'wasm-crash':
      throw new WebAssembly.RuntimeError('memory access out of bounds');
    case 'die':
      await options.onEvent(started);
      process.exit(3);
      break;
    case 'until-aborted':
      await options.onEvent(started);
      await new Promise((resolve) => options.signal.addEventListener('abort', resolve));
      throw Object.assign(new Error(String(options.signal.reason)), { name: 'TrainingCancelledError' });
    case 'block':
      await options.onEvent(started);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
      return { testAccuracy: 0 };
    case 'checkpoint-after-batch': {
      // A batch that is running when the abort arrives (blocking, as a big step does), then the
      // stop a trainer makes between two batches: write the checkpoint, throw.
      await options.onEvent(started);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, options.batchMs);
      if (!options.signal.aborted) return { testAccuracy: 1 };
      require('node:fs').writeFileSync(options.checkpointFile, String(options.signal.reason));
      throw Object.assign(new Error(String(options.signal.reason)), { name: 'TrainingCancelledError' });
    }
    case 'event-fails':
      await options.onEvent(started);
      return { testAccuracy: 1 };
    default:
      throw new Error(`unknown script ${options.script}`);
  }
}

async function initBackend(choice) {
  if (choice === 'wasm') throw new Error('wasm cannot start here');
  return { backend: choice === 'auto' ? 'cpu' : choice, reason: 'scripted', passedOver: [] };
}

module.exports = { trainExperiment, initBackend };
