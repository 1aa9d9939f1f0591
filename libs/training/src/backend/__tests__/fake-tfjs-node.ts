import * as tf from '@tensorflow/tfjs';

/**
 * Stands in for requiring @tensorflow/tfjs-node(-gpu) in tests: what matters to backend selection
 * is that it registers a backend named 'tensorflow' that reports whether it runs on a GPU.
 * The cpu backend's kernels do the work.
 */
export function fakeTfjsNode(isUsingGpuDevice: boolean): Record<string, never> {
  const cpu = tf.findBackendFactory('cpu');
  if (!cpu) throw new Error('the cpu backend is not registered');
  tf.registerBackend('tensorflow', () => Object.assign(cpu() as tf.KernelBackend, { isUsingGpuDevice }), 3);
  for (const kernel of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...kernel, backendName: 'tensorflow' });
  return {};
}

export function moduleNotFound(name: string): never {
  const err = new Error(`Cannot find module '${name}' from 'libs/training/src/backend/backend-selection.ts'`);
  throw Object.assign(err, { code: 'MODULE_NOT_FOUND' });
}
