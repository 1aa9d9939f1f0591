import * as tf from '@tensorflow/tfjs';
import { initBackend } from './backend-selection';

// tfjs-node-gpu is installed but its native library cannot load (no CUDA runtime here);
// tfjs-node works (faked with the cpu kernels under the name 'tensorflow').
jest.mock(
  '@tensorflow/tfjs-node-gpu',
  () => {
    throw Object.assign(new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory'), {
      code: 'ERR_DLOPEN_FAILED',
    });
  },
  { virtual: true },
);
jest.mock('@tensorflow/tfjs-node', () => jest.requireActual('./__tests__/fake-tfjs-node').fakeTfjsNode(false), { virtual: true });

describe('initBackend with tfjs-node present and tfjs-node-gpu broken', () => {
  it('an explicit tensorflow-gpu names the library that failed to load', async () => {
    await expect(initBackend('tensorflow-gpu')).rejects.toThrow(/backend 'tensorflow-gpu' is unavailable: .*libcudart\.so\.11\.0/);
  });

  it("auto takes tfjs-node's 'tensorflow' backend and says why the GPU build was passed over", async () => {
    const log: string[] = [];
    const selection = await initBackend('auto', (msg) => log.push(msg));

    expect(tf.getBackend()).toBe('tensorflow');
    expect(selection).toEqual({
      backend: 'tensorflow',
      reason: '@tensorflow/tfjs-node: native libtensorflow on the CPU',
      passedOver: [
        {
          backend: 'tensorflow-gpu',
          why: 'installed but failed to load (a missing libtensorflow or CUDA library?): libcudart.so.11.0: cannot open shared object file: No such file or directory',
        },
      ],
    });
    expect(log).toHaveLength(2);
  });

  it('once tfjs-node is loaded, an explicit tensorflow-gpu explains why it cannot load as well', async () => {
    await expect(initBackend('tensorflow-gpu')).rejects.toThrow(/already loaded @tensorflow\/tfjs-node \(CPU only\)/);
    expect(tf.getBackend()).toBe('tensorflow');
  });

  it('an explicit tensorflow works', async () => {
    await expect(initBackend('tensorflow')).resolves.toMatchObject({ backend: 'tensorflow', passedOver: [] });
    expect(tf.getBackend()).toBe('tensorflow');
  });
});
