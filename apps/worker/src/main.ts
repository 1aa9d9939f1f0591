import { exitWithParent } from '@trainyard/config';
import { bootstrapWorker } from './worker.bootstrap';

exitWithParent();

bootstrapWorker().catch((err: unknown) => {
  // One line, no stack, for the operator: e.g. the redis-server install hint or a config error.
  console.error(`trainyard worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
