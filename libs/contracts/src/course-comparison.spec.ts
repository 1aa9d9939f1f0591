import { compareToCourse, presetDifferences, presetSpec, resolveExperimentRequest, type PresetName } from './index';

const noNormalisation = (preset: PresetName) => {
  const { normalize: _dropped, ...transforms } = presetSpec(preset).transforms;
  return resolveExperimentRequest({ ...presetSpec(preset), transforms, name: 'CNN [no normalisation]' });
};

describe('compareToCourse', () => {
  it('a preset run on the bundled digits, with the rule\'s epochs and any seed, is its preset\'s comparable run', () => {
    for (const preset of ['mnist-fc', 'mnist-cnn', 'mnist-fc-permuted', 'mnist-cnn-permuted'] as const) {
      expect(compareToCourse(presetSpec(preset, { seed: 9 }))).toMatchObject({ preset, differences: [], comparable: true, reasons: [] });
      expect(compareToCourse(presetSpec(preset, { dataset: 'mnist' }))).toMatchObject({ preset, comparable: true, steps: 938, courseSteps: 938 });
    }
    expect(compareToCourse(presetSpec('cifar10-vgg16'))).toMatchObject({ preset: 'cifar10-vgg16', comparable: true });
  });

  it('a variant is listed under its preset, labelled with what differs, and is never comparable', () => {
    const c = compareToCourse(noNormalisation('mnist-cnn'))!;
    expect(c.preset).toBe('mnist-cnn');
    expect(c.comparable).toBe(false);
    expect(c.differences).toEqual([
      { path: 'transforms.normalize.mean', preset: '0.1307', run: undefined },
      { path: 'transforms.normalize.std', preset: '0.3081', run: undefined },
    ]);
    expect(c.reasons).toEqual(['a variant: transforms.normalize.mean: 0.1307 → none; transforms.normalize.std: 0.3081 → none']);
    expect(compareToCourse(presetSpec('mnist-cnn', { model: { head: 'conv1x1' } }))).toMatchObject({ preset: 'mnist-cnn', differences: [{ path: 'model.head', preset: 'fc', run: 'conv1x1' }] });
    expect(compareToCourse(presetSpec('mnist-fc', { shuffle: false }))?.differences.map((d) => d.path)).toEqual(['shuffle']);
    expect(compareToCourse(presetSpec('mnist-cnn', { optimizer: { lr: 0.1 } }))?.differences.map((d) => d.path)).toEqual(['optimizer.lr']);
  });

  it('the permuted presets are their own rows, not variants of the plain ones', () => {
    expect(compareToCourse(presetSpec('mnist-cnn-permuted'))).toMatchObject({ preset: 'mnist-cnn-permuted', differences: [] });
    expect(compareToCourse(presetSpec('mnist-fc', { permutePixels: 7 }))).toMatchObject({ preset: 'mnist-fc-permuted', differences: [{ path: 'permutePixels', preset: '42', run: '7' }] });
  });

  it('marks fewer steps, a subset, a partial test set and other data as not comparable, and says why', () => {
    expect(compareToCourse(presetSpec('mnist-cnn', { epochs: 1 }))?.reasons).toEqual(['fewer SGD steps than the course: 125 vs 938']);
    expect(compareToCourse(presetSpec('mnist-cnn', { limit: 2000 }))?.reasons).toEqual(['a subset: the first 2,000 of 7,996 training images']);
    expect(compareToCourse(presetSpec('mnist-cnn', { limit: 2000, epochs: 1 }))?.reasons).toEqual([
      'a subset: the first 2,000 of 7,996 training images',
      'fewer SGD steps than the course: 32 vs 938',
    ]);
    expect(compareToCourse(presetSpec('mnist-cnn', { testLimit: 500 }))?.reasons).toEqual(['tested on the first 500 of 2,004 test images']);
    expect(compareToCourse(presetSpec('mnist-cnn', { epochs: 20 }))?.reasons).toEqual(['more SGD steps than the course: 2,500 vs 938']);
    expect(compareToCourse(presetSpec('mnist-fc', { dataset: 'synthetic' }))?.reasons).toEqual(['trained on synthetic data, not mnist', 'fewer SGD steps than the course: 16 vs 938']);
  });

  // Runs on data that is not canonical: a server whose DATA_DIR/mnist holds 2,000 / 500 IDX images, and a 1,500-image
  // CIFAR-10 subset. The spec alone says `mnist`, 1 epoch: only what was loaded tells the truth.
  it('judges a finished run on the images it really loaded, not on the canonical sizes', () => {
    const mnist = presetSpec('mnist-cnn', { dataset: 'mnist' });
    expect(compareToCourse(mnist, { trainSamples: 2000, testSamples: 500 })).toMatchObject({
      comparable: false,
      steps: 32,
      courseSteps: 938,
      reasons: [
        'not the canonical set: 2,000 of 60,000 training images',
        'tested on 500 of 10,000 test images',
        'fewer SGD steps than the course: 32 vs 938',
      ],
    });
    const cifar = presetSpec('cifar10-cnn');
    expect(compareToCourse(cifar, { trainSamples: 1500, testSamples: 300 })).toMatchObject({
      comparable: false,
      steps: 240,
      reasons: ['not the canonical set: 1,500 of 50,000 training images', 'tested on 300 of 10,000 test images', 'fewer SGD steps than the course: 240 vs 7,820'],
    });
    // The canonical set, loaded whole, stays comparable; a limit is named as one.
    expect(compareToCourse(mnist, { trainSamples: 60_000, testSamples: 10_000 })).toMatchObject({ comparable: true, steps: 938 });
    expect(compareToCourse(presetSpec('mnist-cnn', { limit: 2000 }), { trainSamples: 2000, testSamples: 2004 })?.reasons).toEqual([
      'a subset: the first 2,000 of 7,996 training images',
    ]);
    // A limit larger than the server's set: the set is what was short.
    expect(compareToCourse(presetSpec('mnist-cnn', { dataset: 'mnist', limit: 5000, epochs: 30 }), { trainSamples: 2000, testSamples: 10_000 })?.reasons).toEqual([
      'not the canonical set: 2,000 of 60,000 training images',
    ]);
  });

  it('counts the course\'s steps on the loaded size: 30 epochs of 2,000 images is the course\'s budget, 31 would be more', () => {
    const spec = (epochs: number) => presetSpec('mnist-cnn', { dataset: 'mnist', epochs });
    expect(compareToCourse(spec(30), { trainSamples: 2000, testSamples: 10_000 })?.reasons).toEqual(['not the canonical set: 2,000 of 60,000 training images']);
    expect(compareToCourse(spec(2), { trainSamples: 60_000, testSamples: 10_000 })?.reasons).toEqual(['more SGD steps than the course: 1,876 vs 938']);
  });

  it('a spec equal to its preset has no differences, whatever its name, seed and data', () => {
    expect(presetDifferences('mnist-cnn', presetSpec('mnist-cnn', { name: 'mine', seed: 3, dataset: 'mnist', limit: 10, testLimit: 10, epochs: 2 }))).toEqual([]);
  });
});
