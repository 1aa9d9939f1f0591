import {
  ACTIVATION_MEMORY_LIMITS,
  activationValuesPerSample,
  imageShape,
  maxBatchForMemory,
  modelInputShape,
  PRESET_NAMES,
  presetSpec,
} from './index';
import { issuesOf } from '@trainyard/testing';

describe('image shapes', () => {
  const MNIST = { height: 28, width: 28, channels: 1 };
  const CIFAR = { height: 32, width: 32, channels: 3 };

  it("gives each model the course's input: MNIST's for the MNIST nets, CIFAR-10's for the CIFAR nets", () => {
    expect([modelInputShape('fc2layer'), modelInputShape('cnn'), modelInputShape('cifar-cnn'), modelInputShape('vgg16')]).toEqual([MNIST, MNIST, CIFAR, CIFAR]);
  });

  it("fixes the shape per data set, and gives synthetic data the model's own", () => {
    expect([imageShape('mnist', 'vgg16'), imageShape('mnist-bundled', 'cifar-cnn'), imageShape('cifar10', 'cnn')]).toEqual([MNIST, MNIST, CIFAR]);
    expect([imageShape('synthetic', 'cnn'), imageShape('synthetic', 'vgg16')]).toEqual([MNIST, CIFAR]);
  });
});

describe('ExperimentSpecSchema: activation memory', () => {
  it("refuses a VGG evaluation batch of 10,000 (the whole CIFAR-10 test set at once), naming testBatchSize and its limit", () => {
    const issues = issuesOf({ preset: 'cifar10-vgg16', dataset: 'synthetic', limit: 16, batchSize: 16, testLimit: 10000, testBatchSize: 10000 });
    expect(issues).toHaveLength(1);
    const max = maxBatchForMemory({ type: 'vgg16', head: 'fc' }, imageShape('cifar10', 'vgg16'), ACTIVATION_MEMORY_LIMITS.evalBytes);
    expect(issues[0]).toEqual({ path: 'testBatchSize', message: expect.stringContaining(`at most ${max}`) });
  });

  it('refuses a VGG training batch past the measured failure (384), naming batchSize', () => {
    expect(issuesOf({ preset: 'cifar10-vgg16', batchSize: 384 }).map((i) => i.path)).toEqual(['batchSize']);
  });

  it('bounds each model by its own size: a wide CNN is refused where the course CNN is not', () => {
    expect(presetSpec('mnist-cnn', { batchSize: 4096, testBatchSize: 10000 }).batchSize).toBe(4096);
    expect(issuesOf({ preset: 'mnist-cnn', model: { features: 256 }, batchSize: 1024 }).map((i) => i.path)).toEqual(['batchSize']);
  });

  it.each(PRESET_NAMES)('accepts the preset %s with its own batch sizes, on its data and on synthetic', (name) => {
    expect(() => presetSpec(name)).not.toThrow();
    expect(() => presetSpec(name, { dataset: 'synthetic' })).not.toThrow();
  });

  it('counts VGG activations from its layer shapes (conv, BatchNorm and ReLU outputs per block)', () => {
    // 32·32·3 input; 3·32·32·64 + 16·16·64 + 3·16·16·128 + 8·8·128 + 2·3·8·8·256 + 4·4·256
    // + 2·3·4·4·512 + 2·2·512 + 2·3·2·2·512 + 1·1·512, then flatten 512 and 10 logits.
    expect(activationValuesPerSample({ type: 'vgg16', head: 'fc' }, { height: 32, width: 32, channels: 3 })).toBe(
      3072 + 196608 + 16384 + 98304 + 8192 + 98304 + 4096 + 49152 + 2048 + 12288 + 512 + 512 + 10,
    );
  });
});

describe('ExperimentSpecSchema: normalize', () => {
  it('refuses a std so small it scales the pixels to overflow (a NaN run a class met)', () => {
    const issues = issuesOf({ preset: 'mnist-cnn', dataset: 'synthetic', limit: 1024, testLimit: 200, transforms: { normalize: { mean: [0], std: [1e-30] } } });
    expect(issues).toEqual([{ path: 'transforms.normalize.std.0', message: expect.stringContaining('at least 0.001') }]);
  });

  it('accepts the course values', () => {
    expect(presetSpec('mnist-cnn', { transforms: { normalize: { mean: [0.1307], std: [0.3081] } } }).transforms.normalize?.std).toEqual([0.3081]);
  });
});
