import { courseEpochs, courseSteps, presetSpec, PRESET_NAMES, resolveExperimentRequest, trainingSteps, SUITES } from './index';

describe('the course steps rule', () => {
  it("knows the course's SGD steps: epochs × ⌈training images / batch size⌉", () => {
    expect(SUITES['week2-mnist'].map(courseSteps)).toEqual([938, 938, 938, 938]);
    expect(courseSteps('cifar10-cnn')).toBe(7820);
    expect(courseSteps('cifar10-vgg16')).toBe(3910);
  });

  it('gives the 4.1 presets on the bundled digits at least the course\'s steps, not 1 epoch', () => {
    for (const preset of SUITES['week2-mnist']) {
      const spec = presetSpec(preset);
      expect(spec.dataset).toBe('mnist-bundled');
      expect(spec.epochs).toBe(8); // ⌈938 / ⌈7996 / 64⌉⌉ = ⌈938 / 125⌉
      expect(trainingSteps(spec)).toBeGreaterThanOrEqual(938);
      expect(trainingSteps(spec) - 125).toBeLessThan(938); // and not an epoch more than it needs
    }
  });

  it('counts a limit as a smaller data set: the course button\'s 2,000 digits get 30 epochs', () => {
    const spec = presetSpec('mnist-cnn', { limit: 2000 });
    expect(spec.epochs).toBe(30); // ⌈938 / ⌈2000 / 64⌉⌉ = ⌈938 / 32⌉
    expect(trainingSteps(spec)).toBe(960);
  });

  it('uses the run\'s own batch size', () => {
    expect(presetSpec('mnist-fc', { batchSize: 32 }).epochs).toBe(4); // ⌈938 / 250⌉
  });

  it('an explicit epochs always wins, on every path that resolves a preset', () => {
    expect(presetSpec('mnist-cnn', { epochs: 1 }).epochs).toBe(1);
    expect(resolveExperimentRequest({ preset: 'mnist-cnn', epochs: 3, limit: 100 }).epochs).toBe(3);
  });

  it('leaves the course\'s full sets, generated data and full specs as they are', () => {
    expect(presetSpec('mnist-cnn', { dataset: 'mnist' }).epochs).toBe(1);
    expect(presetSpec('cifar10-cnn').epochs).toBe(10);
    expect(presetSpec('mnist-cnn', { dataset: 'synthetic' }).epochs).toBe(1);
    const full = { ...presetSpec('mnist-cnn'), epochs: 2 };
    expect(resolveExperimentRequest(full).epochs).toBe(2);
  });

  it('a CIFAR-10 subset gets the course\'s 10-epoch budget in steps', () => {
    expect(courseEpochs('cifar10-cnn', { dataset: 'cifar10', limit: 25_000, batchSize: 64 })).toBe(20);
  });

  it('stays inside the schema: a tiny subset is held at the largest epochs the schema allows', () => {
    const spec = presetSpec('mnist-fc', { limit: 10 });
    expect(spec.epochs).toBe(200);
    expect(trainingSteps(spec)).toBeLessThan(938);
  });

  it('every preset still resolves, with and without overrides', () => {
    for (const name of PRESET_NAMES) expect(presetSpec(name).epochs).toBe(courseEpochs(name, presetSpec(name, { epochs: 1 })));
  });
});
