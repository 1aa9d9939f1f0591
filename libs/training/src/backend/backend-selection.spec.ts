import * as tf from '@tensorflow/tfjs';
import { BackendUnavailableError, describeLoadFailure, initBackend } from './backend-selection';

// The node bindings are mocked as absent, as they are on machines where the libtensorflow
// download failed, so these tests mean the same wherever they run.
jest.mock('@tensorflow/tfjs-node-gpu', () => jest.requireActual('./__tests__/fake-tfjs-node').moduleNotFound('@tensorflow/tfjs-node-gpu'), {
  virtual: true,
});
jest.mock('@tensorflow/tfjs-node', () => jest.requireActual('./__tests__/fake-tfjs-node').moduleNotFound('@tensorflow/tfjs-node'), {
  virtual: true,
});

describe('initBackend without the node bindings', () => {
  it("auto falls back to wasm, with the training kernels, and says why it passed over tfjs-node(-gpu)", async () => {
    const log: string[] = [];
    const selection = await initBackend('auto', (msg) => log.push(msg));

    expect(selection.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(selection.reason).toMatch(/XNNPACK/);
    expect(selection.passedOver).toEqual([
      { backend: 'tensorflow-gpu', why: expect.stringMatching(/^not installed \(optional dependency; its install downloads libtensorflow/) },
      { backend: 'tensorflow', why: expect.stringMatching(/^not installed \(optional dependency; its install downloads libtensorflow/) },
    ]);
    expect(log).toEqual([
      expect.stringMatching(/^backend tensorflow-gpu: passed over: not installed/),
      expect.stringMatching(/^backend tensorflow: passed over: not installed/),
      expect.stringMatching(/^backend wasm: XNNPACK/),
    ]);
  });

  it('returns the same selection when called again with the same choice', async () => {
    const first = await initBackend('auto');
    const log: string[] = [];
    expect(await initBackend('auto', (msg) => log.push(msg))).toBe(first);
    expect(log).toEqual([]);
  });

  it.each([
    ['tensorflow-gpu', /backend 'tensorflow-gpu' is unavailable: not installed \(optional dependency/],
    ['tensorflow', /backend 'tensorflow' is unavailable: not installed \(optional dependency/],
  ] as const)('an explicit %s throws one clear error', async (choice, message) => {
    const log: string[] = [];
    const attempt = initBackend(choice, (msg) => log.push(msg));
    await expect(attempt).rejects.toThrow(BackendUnavailableError);
    await expect(attempt).rejects.toThrow(message);
    expect(log).toEqual([]);
  });

  it('switches to an explicit cpu or wasm with nothing passed over', async () => {
    const cpu = await initBackend('cpu');
    expect(cpu).toEqual({ backend: 'cpu', reason: expect.any(String), passedOver: [] });
    expect(tf.getBackend()).toBe('cpu');

    const wasm = await initBackend('wasm');
    expect(wasm).toEqual({ backend: 'wasm', reason: expect.stringMatching(/Conv2DBackpropFilter/), passedOver: [] });
    expect(tf.getBackend()).toBe('wasm');
  });
});

describe('describeLoadFailure', () => {
  const pkg = '@tensorflow/tfjs-node';
  it('tells a missing package from a missing native addon and from a library that will not load', () => {
    const notFound = Object.assign(new Error(`Cannot find module '${pkg}'\nRequire stack:\n- x.js`), { code: 'MODULE_NOT_FOUND' });
    expect(describeLoadFailure(pkg, notFound)).toMatch(/^not installed \(optional dependency/);

    const noAddon = new Error('The Node.js native addon module (tfjs_binding.node) can not be found at path: lib/napi-v8/tfjs_binding.node. \nPlease run ...');
    expect(describeLoadFailure(pkg, noAddon)).toBe(
      "installed without its native addon (its install downloads libtensorflow, which failed here; run 'npm rebuild @tensorflow/tfjs-node' with network access)",
    );

    // A dependency of the package missing is not the package missing.
    const depNotFound = Object.assign(new Error("Cannot find module '@mapbox/node-pre-gyp'"), { code: 'MODULE_NOT_FOUND' });
    expect(describeLoadFailure(pkg, depNotFound)).toBe(
      "installed but failed to load (a missing libtensorflow or CUDA library?): Cannot find module '@mapbox/node-pre-gyp'",
    );

    const dlopen = Object.assign(new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory'), { code: 'ERR_DLOPEN_FAILED' });
    expect(describeLoadFailure(pkg, dlopen)).toMatch(/failed to load .*: libtensorflow\.so\.2: cannot open shared object file/);
  });
});
