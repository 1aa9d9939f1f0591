import { CONFIG_ENV_VARS, ConfigError, loadConfig } from './app-config';

describe('WORKER_SHUTDOWN_GRACE_MS', () => {
  it('is read, in milliseconds, with a default of 90 s', () => {
    expect(CONFIG_ENV_VARS).toContain('WORKER_SHUTDOWN_GRACE_MS');
    expect(loadConfig({}).workerShutdownGraceMs).toBe(90_000);
    expect(loadConfig({ WORKER_SHUTDOWN_GRACE_MS: '240000' }).workerShutdownGraceMs).toBe(240_000);
  });

  it.each(['-1', '1.5', 'ninety', '3600001'])('refuses %s, naming the variable', (value) => {
    expect(() => loadConfig({ WORKER_SHUTDOWN_GRACE_MS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ WORKER_SHUTDOWN_GRACE_MS: value })).toThrow(/WORKER_SHUTDOWN_GRACE_MS/);
  });
});
