import { PRESET_NAMES, presetSpec, resolveExperimentRequest, SpecValidationError } from './index';

const issuesOf = (body: unknown) => {
  try {
    resolveExperimentRequest(body);
  } catch (err) {
    if (err instanceof SpecValidationError) return err.issues;
    throw err;
  }
  throw new Error('accepted');
};

describe('resolveExperimentRequest', () => {
  it.each(PRESET_NAMES)('resolves the preset %s', (name) => {
    expect(presetSpec(name).epochs).toBeGreaterThan(0);
  });

  it('merges nested overrides of the same type and replaces a different type', () => {
    expect(presetSpec('mnist-cnn', { model: { head: 'conv1x1' } }).model).toEqual({ type: 'cnn', features: 6, head: 'conv1x1' });
    expect(presetSpec('mnist-cnn', { model: { type: 'fc2layer' } }).model).toEqual({ type: 'fc2layer', hidden: 8 });
  });

  it('names unknown fields at their own path', () => {
    expect(issuesOf({ preset: 'mnist-cnn', epohcs: 3, model: { head: 'fc', depth: 2 } })).toEqual(
      expect.arrayContaining([
        { path: 'epohcs', message: 'unknown field' },
        { path: 'model.depth', message: 'unknown field' },
      ]),
    );
  });

  it.each([
    [{ preset: 'mnist-cnn', epochs: 0 }, 'epochs'],
    [{ preset: 'mnist-cnn', epochs: 1e6 }, 'epochs'],
    [{ preset: 'mnist-cnn', optimizer: { lr: -1 } }, 'optimizer.lr'],
    [{ preset: 'mnist-cnn', batchSize: 1.5 }, 'batchSize'],
    [{ preset: 'mnist-cnn', limit: 0 }, 'limit'],
    [{ preset: 'mnist-cnn', dataset: 'imagenet' }, 'dataset'],
    [{ preset: 'mnist-cnnn' }, 'preset'],
    [{ preset: 'mnist-cnn', transforms: { normalize: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } } }, 'transforms.normalize.mean'],
    [{ preset: 'cifar10-vgg16', dataset: 'mnist-bundled' }, 'model.type'],
  ])('rejects %j at %s', (body, path) => {
    expect(issuesOf(body).map((i) => i.path)).toContain(path);
  });

  it('accepts the CNN on CIFAR-10 and per-channel or shared normalisation', () => {
    expect(presetSpec('mnist-cnn', { dataset: 'cifar10', transforms: { normalize: { mean: [0.5], std: [0.5] } } }).dataset).toBe('cifar10');
    expect(presetSpec('cifar10-cnn', { dataset: 'synthetic' }).transforms.normalize?.mean).toHaveLength(3);
  });

  it('rejects a body that is not an object', () => {
    expect(issuesOf([1, 2])[0].path).toBe('(root)');
    expect(issuesOf('mnist-cnn')[0].path).toBe('(root)');
  });
});
