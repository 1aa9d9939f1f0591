'use strict';
// Starts the built worker (apps/worker/dist) with test-only overrides given as JSON in argv[2]:
// BullMQ worker options such as a short lockDuration. Everything else comes from the
// environment, through loadConfig(), exactly as in production.
const path = require('node:path');
const { bootstrapWorker } = require(path.join(__dirname, '..', '..', 'apps', 'worker', 'dist', 'worker.bootstrap'));

const overrides = JSON.parse(process.argv[2] || '{}');
bootstrapWorker({ workerOptions: overrides.workerOptions }).catch((err) => {
  console.error(`trainyard worker: ${err && err.message}`);
  process.exit(1);
});
