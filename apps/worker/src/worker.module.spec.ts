import { loadConfig } from '@trainyard/config';
import { coreWiringOf } from '@trainyard/core';
import type { Trainer } from './trainer.port';
import { WorkerModule } from './worker.module';

describe('WorkerModule.forRoot', () => {
  it('takes config, Redis, the store, the scheduler and the logger from CoreModule, and wires none of them itself', () => {
    const worker = WorkerModule.forRoot({ config: loadConfig({ LOG_LEVEL: 'silent' }), trainer: {} as Trainer });
    expect(coreWiringOf(worker)).toEqual({ importsCore: true, ownCoreProviders: [], ownCoreImports: [] });
  });
});
