import type { ClassLimits } from '@trainyard/config';
import { presetSpec } from '@trainyard/contracts';
import { jobBoundIssues } from './job-bounds';

const limits = { maxEpochsPerJob: 30, maxSampleEpochsPerJob: 1_000_000 } as ClassLimits;

describe('jobBoundIssues', () => {
  it('accepts the course presets as they are', () => {
    for (const name of ['mnist-cnn', 'cifar10-cnn', 'cifar10-vgg16'] as const) expect(jobBoundIssues(presetSpec(name), limits)).toEqual([]);
  });

  it('names epochs over the class bound', () => {
    expect(jobBoundIssues(presetSpec('mnist-cnn', { epochs: 31 }), limits)).toEqual([{ path: 'epochs', message: expect.stringMatching(/at most 30 epochs/) }]);
  });

  it('bounds epochs × training images, naming limit when it was given', () => {
    expect(jobBoundIssues(presetSpec('cifar10-cnn', { epochs: 21 }), limits)).toEqual([
      { path: 'epochs', message: expect.stringMatching(/21 epoch\(s\) × 50000 training images = 1050000 image-epochs/) },
    ]);
    expect(jobBoundIssues(presetSpec('mnist-cnn', { dataset: 'mnist', epochs: 20, limit: 60_000 }), limits)[0].path).toBe('limit');
    expect(jobBoundIssues(presetSpec('mnist-cnn', { dataset: 'mnist', epochs: 20, limit: 50_000 }), limits)).toEqual([]);
  });
});
