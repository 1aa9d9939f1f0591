import { ExperimentSpecSchema } from '@trainyard/contracts';
import { benchSpec, reportedThreads } from './bench-spec';

describe('benchSpec', () => {
  it("is a valid spec: the model at its course batch, the step bench's SGD, on synthetic data", () => {
    const spec = benchSpec('vgg16', 384, 2);
    expect(ExperimentSpecSchema.parse(spec)).toEqual(spec);
    expect(spec).toMatchObject({
      dataset: 'synthetic',
      model: { type: 'vgg16', head: 'fc' },
      optimizer: { type: 'sgd', lr: 0.01, momentum: 0.5 },
      batchSize: 128,
      limit: 384,
      epochs: 2,
      shuffle: true,
    });
  });

  it('keeps the test pass to one batch: only the training throughput is compared', () => {
    expect(benchSpec('cnn', 640)).toMatchObject({ epochs: 1, testLimit: 64, testBatchSize: 64 });
  });
});

describe('reportedThreads', () => {
  it('takes the first whole-number `threads` a trainer reported, from its started event or its result', () => {
    expect(reportedThreads({ type: 'started' }, { threads: 2 })).toBe(2);
    expect(reportedThreads({ threads: 1 }, { threads: 2 })).toBe(1);
  });

  it('is undefined when nothing reported it, or reported something else', () => {
    expect(reportedThreads({ type: 'started' }, undefined, { samplesPerSec: 3 })).toBeUndefined();
    expect(reportedThreads({ threads: '2' }, { threads: 0 })).toBeUndefined();
  });
});
