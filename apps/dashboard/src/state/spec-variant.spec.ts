import { presetSpec, resolveExperimentRequest } from '@trainyard/contracts';
import { specDiff, withOneChange, type OneChange } from './spec-variant';

describe('re-run with one change', () => {
  const base = presetSpec('mnist-cnn', { limit: 256 });

  it.each<[OneChange, string[], string]>([
    [{ kind: 'shuffle' }, ['shuffle'], 'CNN [shuffle off]'],
    [{ kind: 'batchSize', value: 16 }, ['batchSize'], 'CNN [batch 16]'],
    [{ kind: 'epochs', value: 3 }, ['epochs'], 'CNN [3 epochs]'],
    [{ kind: 'head' }, ['model.head'], 'CNN [1×1 conv head]'],
    [{ kind: 'normalize', mean: [0.5], std: [0.5] }, ['transforms.normalize.mean', 'transforms.normalize.std'], 'CNN [normalize 0.5 ± 0.5]'],
    [{ kind: 'no-normalize' }, ['transforms.normalize.mean', 'transforms.normalize.std'], 'CNN [no normalisation]'],
  ])('%j changes only %j and stays a valid spec', (change, changed, name) => {
    const variant = resolveExperimentRequest(withOneChange(base, change));
    expect([...specDiff(base, variant)].sort()).toEqual([...changed].sort());
    expect(variant.name).toBe(name);
  });

  it('re-running a variant names it after the original, not the variant', () => {
    const once = resolveExperimentRequest(withOneChange(base, { kind: 'shuffle' }));
    expect(withOneChange(once, { kind: 'epochs', value: 2 }).name).toBe('CNN [2 epochs]');
  });
});
