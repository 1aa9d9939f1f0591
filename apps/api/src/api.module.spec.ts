import { loadConfig } from '@trainyard/config';
import { coreWiringOf } from '@trainyard/core';
import { ApiModule } from './api.module';

describe('ApiModule.forRoot', () => {
  it('takes config, Redis, the store, the scheduler and the logger from CoreModule, and wires none of them itself', () => {
    const api = ApiModule.forRoot(loadConfig({ LOG_LEVEL: 'silent' }));
    expect(coreWiringOf(api)).toEqual({ importsCore: true, ownCoreProviders: [], ownCoreImports: [] });
  });
});
