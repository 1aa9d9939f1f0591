import { availableCores } from './available-cores';
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

describe("TF_CUDA_COMPUTE_CAPABILITIES and TF_CUDA_VERSION (the GPU image's record of its libtensorflow)", () => {
  it('are read together, and absent by default', () => {
    expect(CONFIG_ENV_VARS).toEqual(expect.arrayContaining(['TF_CUDA_COMPUTE_CAPABILITIES', 'TF_CUDA_VERSION']));
    expect(loadConfig({}).libtensorflowCuda).toBeUndefined();
    expect(loadConfig({ TF_CUDA_COMPUTE_CAPABILITIES: 'sm_60,sm_70,sm_80,sm_89,compute_90', TF_CUDA_VERSION: '12.5' }).libtensorflowCuda).toEqual({
      computeCapabilities: 'sm_60,sm_70,sm_80,sm_89,compute_90',
      cudaVersion: '12.5',
    });
  });

  it.each([
    [{ TF_CUDA_COMPUTE_CAPABILITIES: '8.6,9.0', TF_CUDA_VERSION: '12.5' }, /TF_CUDA_COMPUTE_CAPABILITIES/],
    [{ TF_CUDA_COMPUTE_CAPABILITIES: 'sm_80', TF_CUDA_VERSION: 'twelve' }, /TF_CUDA_VERSION/],
    [{ TF_CUDA_COMPUTE_CAPABILITIES: 'sm_80' }, /TF_CUDA_VERSION/],
  ])('refuses %j, naming the variable', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });
});

describe('MAX_JOB_MINUTES (the class bound on a run’s estimated time)', () => {
  it('is read in minutes, fractions allowed, with a default of 60', () => {
    expect(CONFIG_ENV_VARS).toContain('MAX_JOB_MINUTES');
    expect(loadConfig({}).limits.maxJobMinutes).toBe(60);
    expect(loadConfig({ MAX_JOB_MINUTES: '90' }).limits.maxJobMinutes).toBe(90);
    expect(loadConfig({ MAX_JOB_MINUTES: '0.5' }).limits.maxJobMinutes).toBe(0.5);
  });

  it.each(['0', '-5', 'an hour'])('refuses %s, naming the variable', (value) => {
    expect(() => loadConfig({ MAX_JOB_MINUTES: value })).toThrow(/MAX_JOB_MINUTES/);
  });
});

describe('TRAIN_THREADS', () => {
  it('is read, with a default of the cores available to this process', () => {
    expect(CONFIG_ENV_VARS).toContain('TRAIN_THREADS');
    expect(loadConfig({ TRAIN_THREADS: '3' }).trainThreads).toBe(3);
    expect(loadConfig({}).trainThreads).toBe(availableCores());
  });

  it.each(['0', '1.5', 'all'])('refuses %s, naming the variable', (value) => {
    expect(() => loadConfig({ TRAIN_THREADS: value })).toThrow(/TRAIN_THREADS/);
  });
});

describe('an empty variable', () => {
  // Compose's `TRAIN_THREADS: ${TRAIN_THREADS:-}` passes an empty string when the .env lacks it.
  it('takes the default, as an unset one does, for every variable', () => {
    const empty = Object.fromEntries(CONFIG_ENV_VARS.map((name) => [name, '']));
    const defaults = loadConfig({}, '/srv');
    expect(loadConfig(empty, '/srv')).toEqual(defaults);
    expect(loadConfig({ TRAIN_THREADS: '' }).trainThreads).toBe(availableCores());
  });
});
