import type { AppConfig } from '@trainyard/config';
import type { GpuCheck } from '@trainyard/training/gpu-device';
import { logGpuChecks } from './gpu-check';

// The start-up GPU line: which configs ask nvidia-smi, what they pass, and at which level each
// verdict is logged. nvidia-smi itself is faked (libs/training gpu-device.spec.ts covers the verdicts).
describe('logGpuChecks', () => {
  const logger = () => {
    const lines: { level: string; obj: object; msg: string }[] = [];
    const at = (level: string) => (obj: object, msg: string) => lines.push({ level, obj, msg });
    return { lines, log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
  };
  const config = (backend: AppConfig['backend'], libtensorflowCuda?: AppConfig['libtensorflowCuda']) => ({ backend, libtensorflowCuda });
  const hopperJit: GpuCheck = { verdict: 'jit', level: 'warn', message: 'GPU 0: NVIDIA H100 …: first start compiles' };

  it('on a GPU worker, passes the recorded build, requires the GPU, and logs each verdict at its level', async () => {
    const { lines, log } = logger();
    const inspect = jest.fn(async () => [hopperJit]);
    await logGpuChecks(config('tensorflow-gpu', { computeCapabilities: 'sm_80,compute_90', cudaVersion: '12.5' }), log, inspect);
    expect(inspect).toHaveBeenCalledWith({
      gpuRequired: true,
      build: { targets: [expect.objectContaining({ label: 'sm_80' }), expect.objectContaining({ label: 'compute_90' })], targetsText: 'sm_80,compute_90', cudaVersion: { major: 12, minor: 5 } },
    });
    expect(lines).toEqual([{ level: 'warn', obj: { gpu: undefined, verdict: 'jit' }, msg: hopperJit.message }]);
  });

  it('with auto, looks but does not require a GPU', async () => {
    const inspect = jest.fn(async (): Promise<GpuCheck[]> => []);
    await logGpuChecks(config('auto'), logger().log, inspect);
    expect(inspect).toHaveBeenCalledWith({ gpuRequired: false, build: undefined });
  });

  it.each(['wasm', 'cpu', 'tensorflow'] as const)('with %s, never runs nvidia-smi', async (backend) => {
    const inspect = jest.fn(async (): Promise<GpuCheck[]> => []);
    await logGpuChecks(config(backend), logger().log, inspect);
    expect(inspect).not.toHaveBeenCalled();
  });

  it('a check that throws is logged, and does not stop the worker', async () => {
    const { lines, log } = logger();
    await expect(logGpuChecks(config('tensorflow-gpu'), log, async () => Promise.reject(new Error('boom')))).resolves.toBeUndefined();
    expect(lines).toEqual([{ level: 'warn', obj: { err: expect.any(Error) }, msg: 'GPU check failed: boom' }]);
  });
});
