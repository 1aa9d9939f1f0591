import * as tf from '@tensorflow/tfjs';
import { initBackend } from './backend-selection';

// tfjs-node-gpu is installed without its native addon (its libtensorflow download failed): like
// the real package it registers kernels for 'tensorflow' before it throws. tfjs-node works
// (faked with the cpu kernels under the name 'tensorflow').
jest.mock(
  '@tensorflow/tfjs-node-gpu',
  () => {
    const tfjs = jest.requireActual('@tensorflow/tfjs');
    tfjs.registerKernel({ ...tfjs.getKernel('Add', 'cpu'), backendName: 'tensorflow' });
    throw new Error(
      'The Node.js native addon module (tfjs_binding.node) can not be found at path: node_modules/@tensorflow/tfjs-node-gpu/lib/napi-v8/tfjs_binding.node. \nPlease run command ...',
    );
  },
  { virtual: true },
);
jest.mock('@tensorflow/tfjs-node', () => jest.requireActual('./__tests__/fake-tfjs-node').fakeTfjsNode(false), { virtual: true });

const MISSING_ADDON =
  "installed without its native addon (its install downloads libtensorflow, which failed here; run 'npm rebuild @tensorflow/tfjs-node-gpu' with network access)";

describe('initBackend with tfjs-node present and tfjs-node-gpu missing its native addon', () => {
  it('an explicit tensorflow-gpu says its native addon is missing', async () => {
    await expect(initBackend('tensorflow-gpu')).rejects.toThrow(`backend 'tensorflow-gpu' is unavailable: ${MISSING_ADDON}`);
  });

  it("auto takes tfjs-node's 'tensorflow' backend and says why the GPU build was passed over", async () => {
    const log: string[] = [];
    const warn = jest.spyOn(console, 'warn');
    const selection = await initBackend('auto', (msg) => log.push(msg));
    // The GPU build's half-registered kernels were dropped, so tfjs-node registered cleanly.
    expect(warn).not.toHaveBeenCalledWith(expect.stringMatching(/already registered/));
    warn.mockRestore();

    expect(tf.getBackend()).toBe('tensorflow');
    expect(selection).toEqual({
      backend: 'tensorflow',
      reason: '@tensorflow/tfjs-node: native libtensorflow on the CPU',
      passedOver: [{ backend: 'tensorflow-gpu', why: MISSING_ADDON }],
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
