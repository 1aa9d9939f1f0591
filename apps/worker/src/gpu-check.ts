import type { AppConfig } from '@trainyard/config';
// The TF.js-free subpath: this runs in the worker's main process, which never loads TF.js.
import { inspectGpus, parseLibtensorflowBuild, type GpuCheck } from '@trainyard/training/gpu-device';

type LogFn = (obj: object, msg: string) => void;

/**
 * At a worker's start, before its backend probe loads libtensorflow: logs each GPU nvidia-smi
 * lists, with its compute capability and driver, and whether the image's libtensorflow has
 * kernels for it (libs/training gpu-device.ts), at the verdict's level. The warning must come
 * first: on a GPU that needs a JIT compile, the probe that follows is silent for a long time.
 * Runs for TF_BACKEND tensorflow-gpu (the GPU is required) and auto (a GPU is one option);
 * never for wasm, cpu or tensorflow. Never throws: a failed check is logged, and the start goes on.
 */
export async function logGpuChecks(
  config: Pick<AppConfig, 'backend' | 'libtensorflowCuda'>,
  logger: Record<'debug' | 'info' | 'warn' | 'error', LogFn>,
  inspect: typeof inspectGpus = inspectGpus,
): Promise<void> {
  if (config.backend !== 'tensorflow-gpu' && config.backend !== 'auto') return;
  let checks: GpuCheck[];
  try {
    checks = await inspect({ build: parseLibtensorflowBuild(config.libtensorflowCuda ?? {}), gpuRequired: config.backend === 'tensorflow-gpu' });
  } catch (err) {
    logger.warn({ err }, `GPU check failed: ${(err as Error).message}`);
    return;
  }
  for (const check of checks) logger[check.level]({ gpu: check.device, verdict: check.verdict }, check.message);
}
