import {
  checkGpus,
  inspectGpus,
  NVIDIA_SMI_FALLBACK_QUERY,
  NVIDIA_SMI_QUERY,
  parseKernelTargets,
  parseLibtensorflowBuild,
  parseNvidiaSmiCsv,
  runNvidiaSmi,
  type NvidiaSmiResult,
} from './gpu-device';

// What deploy/Dockerfile.worker-gpu records for its libtensorflow 2.18.0 (CUDA 12.5).
const TF_2_18 = parseLibtensorflowBuild({ computeCapabilities: 'sm_60,sm_70,sm_80,sm_89,compute_90', cudaVersion: '12.5' })!;
const smi = (stdout: string): NvidiaSmiResult => ({ status: 'ok', stdout });

describe('parseNvidiaSmiCsv', () => {
  it('reads name, compute capability and driver of each GPU, one a line', () => {
    expect(parseNvidiaSmiCsv('NVIDIA H100 80GB HBM3, 9.0, 560.35.03\nNVIDIA GeForce RTX 3090, 8.6, 560.35.03\n')).toEqual([
      { index: 0, name: 'NVIDIA H100 80GB HBM3', computeCapability: { major: 9, minor: 0 }, driverVersion: '560.35.03' },
      { index: 1, name: 'NVIDIA GeForce RTX 3090', computeCapability: { major: 8, minor: 6 }, driverVersion: '560.35.03' },
    ]);
  });

  it('keeps a comma inside the name, and reads 12.0 as major 12', () => {
    expect(parseNvidiaSmiCsv('Some Board, Rev B, 12.0, 575.51.03')).toEqual([
      { index: 0, name: 'Some Board, Rev B', computeCapability: { major: 12, minor: 0 }, driverVersion: '575.51.03' },
    ]);
  });

  it('leaves a compute capability nvidia-smi cannot give ([N/A]) unknown', () => {
    expect(parseNvidiaSmiCsv('NVIDIA A100-SXM4-40GB MIG 1g.5gb, [N/A], 550.54.15')[0].computeCapability).toBeUndefined();
  });

  it('refuses a line that is not name, capability, driver', () => {
    expect(() => parseNvidiaSmiCsv('Failed to initialize NVML: Driver/library version mismatch')).toThrow(/nvidia-smi line 1/);
  });
});

describe('parseKernelTargets', () => {
  it('reads SASS (sm_XY) and PTX (compute_XY) targets, arch-specific ones (sm_90a) marked', () => {
    expect(parseKernelTargets('sm_60, sm_89,compute_90,sm_90a,sm_120')).toEqual([
      { kind: 'sass', cc: { major: 6, minor: 0 }, archSpecific: false, label: 'sm_60' },
      { kind: 'sass', cc: { major: 8, minor: 9 }, archSpecific: false, label: 'sm_89' },
      { kind: 'ptx', cc: { major: 9, minor: 0 }, archSpecific: false, label: 'compute_90' },
      { kind: 'sass', cc: { major: 9, minor: 0 }, archSpecific: true, label: 'sm_90a' },
      { kind: 'sass', cc: { major: 12, minor: 0 }, archSpecific: false, label: 'sm_120' },
    ]);
  });

  it.each(['sm90', '8.6', 'sm_', ''])('refuses %j, naming it', (bad) => {
    expect(() => parseKernelTargets(bad)).toThrow(/TF_CUDA_COMPUTE_CAPABILITIES/);
  });
});

describe('checkGpus against libtensorflow 2.18 (sm_60,sm_70,sm_80,sm_89 + compute_90 PTX, CUDA 12.5)', () => {
  const one = (line: string) => {
    const checks = checkGpus({ query: smi(line), build: TF_2_18, gpuRequired: true });
    expect(checks).toHaveLength(1);
    return checks[0];
  };

  it('Ampere 8.6 runs the sm_80 kernels as they are', () => {
    const check = one('NVIDIA GeForce RTX 3090, 8.6, 550.54.15');
    expect(check).toMatchObject({ verdict: 'ok', level: 'info' });
    expect(check.message).toBe('GPU 0: NVIDIA GeForce RTX 3090, compute capability 8.6, driver 550.54.15: libtensorflow has kernels for it (sm_80)');
  });

  it('Ada 8.9 runs its own sm_89 kernels', () => {
    expect(one('NVIDIA L4, 8.9, 550.54.15')).toMatchObject({ verdict: 'ok', message: expect.stringMatching(/\(sm_89\)$/) });
  });

  it('Hopper 9.0 has no SASS: warns that the first start compiles the compute_90 PTX for a long time, and how to keep it', () => {
    const check = one('NVIDIA H100 80GB HBM3, 9.0, 560.35.03');
    expect(check).toMatchObject({ verdict: 'jit', level: 'warn' });
    expect(check.message).toMatch(/^GPU 0: NVIDIA H100 80GB HBM3, compute capability 9\.0, driver 560\.35\.03: /);
    expect(check.message).toMatch(/no sm_90 kernels/);
    expect(check.message).toMatch(/compute_90 PTX/);
    expect(check.message).toMatch(/first start/);
    expect(check.message).toMatch(/tensorflow\/tensorflow#60739/);
    expect(check.message).toMatch(/CUDA_CACHE_PATH/);
  });

  it.each([
    ['Blackwell 10.0', 'NVIDIA B200, 10.0, 570.124.06', 'sm_100'],
    ['Blackwell 12.0', 'NVIDIA GeForce RTX 5090, 12.0, 575.51.03', 'sm_120'],
  ])('%s: PTX compute_90 JITs forward, with the same warning', (_name, line, sass) => {
    const check = one(line);
    expect(check).toMatchObject({ verdict: 'jit', level: 'warn' });
    expect(check.message).toContain(`no ${sass} kernels`);
  });

  it('Maxwell 5.2: no SASS of its major and the PTX is newer than the GPU, so nothing can run', () => {
    const check = one('Tesla M60, 5.2, 550.54.15');
    expect(check).toMatchObject({ verdict: 'no-kernels', level: 'error' });
    expect(check.message).toMatch(/no kernels that can run on it/);
    expect(check.message).toMatch(/sm_60,sm_70,sm_80,sm_89,compute_90/);
  });

  it('a build whose only PTX is arch-specific (compute_90a) does not JIT for Blackwell', () => {
    const build = parseLibtensorflowBuild({ computeCapabilities: 'sm_80,sm_90a,compute_90a', cudaVersion: '12.5' })!;
    const [check] = checkGpus({ query: smi('NVIDIA B200, 10.0, 570.124.06'), build, gpuRequired: true });
    expect(check.verdict).toBe('no-kernels');
  });

  it('Hopper on a CUDA 12.3 driver (545): minor-version compatibility runs SASS but cannot JIT PTX from CUDA 12.5', () => {
    const check = one('NVIDIA H100 80GB HBM3, 9.0, 545.23.08');
    expect(check).toMatchObject({ verdict: 'driver-too-old', level: 'error' });
    expect(check.message).toMatch(/driver 545\.23\.08 cannot JIT PTX from CUDA 12\.5 \(driver branch ≥ 555 needed\)/);
  });

  it('Ampere on the same 545 driver is fine: its SASS needs no JIT', () => {
    expect(one('NVIDIA A100-SXM4-40GB, 8.0, 545.23.08').verdict).toBe('ok');
  });

  it('a driver too old for CUDA 12 at all (515), even with a capability it knows', () => {
    const check = one('NVIDIA A100-SXM4-40GB, 8.0, 515.105.01');
    expect(check).toMatchObject({ verdict: 'driver-too-old', level: 'error' });
    expect(check.message).toMatch(/CUDA 12 needs driver branch ≥ 525/);
  });

  it('a driver whose nvidia-smi has no compute_cap field (470): the fallback query names it too old', () => {
    const checks = checkGpus({
      query: { status: 'failed', output: '"compute_cap" is not a valid field to query, --help-query-gpu for available fields.\n' },
      fallback: smi('NVIDIA GeForce RTX 3080, 470.182.03\n'),
      build: TF_2_18,
      gpuRequired: true,
    });
    expect(checks).toEqual([
      expect.objectContaining({ verdict: 'driver-too-old', level: 'error', message: expect.stringMatching(/^GPU 0: NVIDIA GeForce RTX 3080, driver 470\.182\.03: .*CUDA 12 needs driver branch ≥ 525/) }),
    ]);
  });

  it('no nvidia-smi: a warning on a GPU worker, a debug line where the GPU is only one option (auto)', () => {
    const missing: NvidiaSmiResult = { status: 'not-found' };
    expect(checkGpus({ query: missing, build: TF_2_18, gpuRequired: true })).toEqual([
      expect.objectContaining({ verdict: 'no-gpu', level: 'warn', message: expect.stringMatching(/nvidia-smi not found/) }),
    ]);
    expect(checkGpus({ query: missing, build: TF_2_18, gpuRequired: false })).toEqual([expect.objectContaining({ verdict: 'no-gpu', level: 'debug' })]);
  });

  it('nvidia-smi that fails (no driver reachable) is reported with its own first line', () => {
    const failed: NvidiaSmiResult = { status: 'failed', output: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n" };
    expect(checkGpus({ query: failed, build: TF_2_18, gpuRequired: true })).toEqual([
      expect.objectContaining({ verdict: 'no-gpu', level: 'error', message: expect.stringContaining("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver") }),
    ]);
  });

  it('without a recorded build (TF_CUDA_COMPUTE_CAPABILITIES unset) it still logs the device, and says what it could not check', () => {
    expect(checkGpus({ query: smi('NVIDIA H100 80GB HBM3, 9.0, 560.35.03'), gpuRequired: true })).toEqual([
      expect.objectContaining({ verdict: 'unknown', level: 'info', message: expect.stringMatching(/^GPU 0: NVIDIA H100 80GB HBM3, compute capability 9\.0, driver 560\.35\.03: .*TF_CUDA_COMPUTE_CAPABILITIES/) }),
    ]);
  });
});

describe('parseLibtensorflowBuild', () => {
  it('is undefined when the image records nothing', () => {
    expect(parseLibtensorflowBuild({})).toBeUndefined();
  });

  it('refuses a CUDA version that is not MAJOR.MINOR', () => {
    expect(() => parseLibtensorflowBuild({ computeCapabilities: 'sm_80', cudaVersion: 'twelve' })).toThrow(/TF_CUDA_VERSION/);
  });
});

describe('inspectGpus', () => {
  it('asks name,compute_cap,driver_version; on a driver without compute_cap it asks name,driver_version', async () => {
    const asked: string[][] = [];
    const run = async (args: readonly string[]): Promise<NvidiaSmiResult> => {
      asked.push([...args]);
      return args.includes(NVIDIA_SMI_QUERY[0])
        ? { status: 'failed', output: '"compute_cap" is not a valid field to query, --help-query-gpu for available fields.' }
        : { status: 'ok', stdout: 'NVIDIA GeForce RTX 3080, 470.182.03' };
    };
    const checks = await inspectGpus({ build: TF_2_18, gpuRequired: true, run });
    expect(asked).toEqual([[...NVIDIA_SMI_QUERY], [...NVIDIA_SMI_FALLBACK_QUERY]]);
    expect(checks.map((c) => c.verdict)).toEqual(['driver-too-old']);
  });

  it('asks once when the first query answers', async () => {
    const asked: string[][] = [];
    const checks = await inspectGpus({
      build: TF_2_18,
      gpuRequired: true,
      run: async (args) => (asked.push([...args]), { status: 'ok', stdout: 'NVIDIA GeForce RTX 3090, 8.6, 550.54.15' }),
    });
    expect(asked).toHaveLength(1);
    expect(checks.map((c) => c.verdict)).toEqual(['ok']);
  });
});

describe('runNvidiaSmi', () => {
  it('reports a missing binary as not-found, not as a failure', async () => {
    await expect(runNvidiaSmi(['--version'], { command: '/nonexistent/nvidia-smi' })).resolves.toEqual({ status: 'not-found' });
  });

  it("returns a failing command's output (exit code ≠ 0) as failed", async () => {
    // `sh -c` stands in for nvidia-smi: prints the field error as old drivers do, exits 2.
    const result = await runNvidiaSmi(['-c', 'echo \'"compute_cap" is not a valid field to query\'; exit 2'], { command: '/bin/sh' });
    expect(result).toEqual({ status: 'failed', output: expect.stringContaining('"compute_cap" is not a valid field to query') });
  });
});
