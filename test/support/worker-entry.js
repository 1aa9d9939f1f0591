'use strict';
// Starts the built worker (apps/worker/dist) with test-only overrides given as JSON in argv[2]:
// BullMQ worker options such as a short lockDuration, and a trainer module in place of
// libs/training (see trainerModule below). Everything else comes from the
// environment, through loadConfig(), exactly as in production.
const path = require('node:path');
const { bootstrapWorker } = require(path.join(__dirname, '..', '..', 'apps', 'worker', 'dist', 'worker.bootstrap'));

const overrides = JSON.parse(process.argv[2] || '{}');
// trainerModule: a module exporting the Trainer port (trainExperiment, initBackend), loaded by each
// training process in place of libs/training, e.g. test/support/fault-trainer.js.
bootstrapWorker({ workerOptions: overrides.workerOptions, trainerModule: overrides.trainerModule }).catch((err) => {
  console.error(`trainyard worker: ${err && err.message}`);
  process.exit(1);
});
