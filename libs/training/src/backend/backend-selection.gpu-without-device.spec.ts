import * as tf from '@tensorflow/tfjs';
import { initBackend } from './backend-selection';

// tfjs-node-gpu loads, but CUDA finds no device, so libtensorflow runs on the CPU.
jest.mock('@tensorflow/tfjs-node-gpu', () => jest.requireActual('./__tests__/fake-tfjs-node').fakeTfjsNode(false), { virtual: true });
jest.mock('@tensorflow/tfjs-node', () => {
  throw new Error('tfjs-node must not be loaded once tfjs-node-gpu is: both register the same backend');
}, { virtual: true });

describe('initBackend with tfjs-node-gpu on a machine without a GPU', () => {
  it('an explicit tensorflow-gpu says no GPU was found', async () => {
    await expect(initBackend('tensorflow-gpu')).rejects.toThrow(/tensorflow-gpu' is unavailable: .*found no usable CUDA GPU/);
  });

  it("auto keeps the GPU build's libtensorflow as the 'tensorflow' backend rather than dropping to wasm", async () => {
    const selection = await initBackend('auto');
    expect(tf.getBackend()).toBe('tensorflow');
    expect(selection).toEqual({
      backend: 'tensorflow',
      reason: '@tensorflow/tfjs-node-gpu: native libtensorflow on the CPU',
      passedOver: [{ backend: 'tensorflow-gpu', why: expect.stringMatching(/found no usable CUDA GPU/) }],
    });
  });
});
