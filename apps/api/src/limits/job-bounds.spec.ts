import type { ClassLimits } from '@trainyard/config';
import { estimateRun, presetSpec, runWork, type ExperimentSpec, type ThroughputMeasurement } from '@trainyard/contracts';
import { jobBoundIssues } from './job-bounds';

const limits = { maxEpochsPerJob: 30, maxSampleEpochsPerJob: 1_000_000, maxJobMinutes: 60 } as ClassLimits;
/** One measurement, at the batch size of the spec it is for (no scaling). */
const measured = (model: ThroughputMeasurement['model'], flopsPerSec: number, batchSize: number): ThroughputMeasurement[] => [{ model, backend: 'wasm', batchSize, flopsPerSec, runs: 1, updatedAt: '2026-12-01T00:00:00.000Z' }];
/** No worker has measured anything: no estimate. */
const unestimated = (spec: ExperimentSpec) => jobBoundIssues(spec, estimateRun(spec, [], []), limits);
/** Measured so that the run is estimated at `minutes`. */
const takingMinutes = (spec: ExperimentSpec, minutes: number) => jobBoundIssues(spec, estimateRun(spec, measured(spec.model.type, runWork(spec).flops / (minutes * 60), spec.batchSize), []), limits);

describe('jobBoundIssues', () => {
  it('accepts the course presets as they are', () => {
    for (const name of ['mnist-cnn', 'cifar10-cnn', 'cifar10-vgg16'] as const) expect(unestimated(presetSpec(name))).toEqual([]);
  });

  it('names epochs over the class bound, estimated or not', () => {
    expect(unestimated(presetSpec('mnist-cnn', { epochs: 31 }))).toEqual([{ path: 'epochs', message: expect.stringMatching(/at most 30 epochs/) }]);
    expect(takingMinutes(presetSpec('mnist-cnn', { epochs: 31 }), 1)).toEqual([{ path: 'epochs', message: expect.stringMatching(/at most 30 epochs/) }]);
  });

  it('refuses a run estimated over MAX_JOB_MINUTES, naming its estimate and the limit', () => {
    const vgg = presetSpec('cifar10-vgg16', { epochs: 10 });
    expect(takingMinutes(vgg, 60)).toEqual([]);
    expect(takingMinutes(vgg, 17 * 60)).toEqual([
      {
        path: 'epochs',
        message: 'estimated to take about 17 h 00 min (measured on wasm) for 10 epoch(s) × 50000 training images; at most 60 min per job in this class (MAX_JOB_MINUTES): lower epochs or limit, or ask a TA to submit a longer run for you',
      },
    ]);
    expect(takingMinutes(presetSpec('cifar10-vgg16', { epochs: 10, limit: 20_000 }), 61)[0].path).toBe('limit');
  });

  it('suggests a bigger batch too when the run is over because its batch is below a measured one', () => {
    // cifar10-cnn measured at batch 64 so that 30 epochs take 50 min: at batch 1 it is extrapolated over the hour.
    const at64 = presetSpec('cifar10-cnn', { epochs: 30 });
    const batch1 = presetSpec('cifar10-cnn', { epochs: 30, batchSize: 1 });
    const issues = jobBoundIssues(batch1, estimateRun(batch1, measured('cifar-cnn', runWork(at64).flops / (50 * 60), 64), []), limits);
    expect(issues).toEqual([{ path: 'epochs', message: expect.stringMatching(/extrapolated to batch 1\).*: raise batchSize \(measured at 64\), lower epochs or limit, or ask a TA/) }]);
    // At the measured batch there is no bigger one to suggest.
    expect(takingMinutes(at64, 61)[0].message).not.toMatch(/batchSize/);
  });

  it('applies a rough estimate (another model’s speed) as well', () => {
    const vgg = presetSpec('cifar10-vgg16', { epochs: 10 });
    const rough = estimateRun(vgg, measured('cifar-cnn', runWork(vgg).flops / (2 * 3600), vgg.batchSize), []);
    expect(rough.basis).toBe('rough');
    expect(jobBoundIssues(vgg, rough, limits)).toEqual([{ path: 'epochs', message: expect.stringMatching(/^estimated to take about 2 h 00 min \(rough: from other models on wasm\)/) }]);
  });

  it('bounds epochs × training images only when the run has no estimate, naming limit when it was given', () => {
    expect(unestimated(presetSpec('cifar10-cnn', { epochs: 21 }))).toEqual([
      { path: 'epochs', message: expect.stringMatching(/21 epoch\(s\) × 50000 training images = 1050000 image-epochs; at most 1000000 per job in this class while no worker has measured its speed/) },
    ]);
    expect(unestimated(presetSpec('mnist-cnn', { dataset: 'mnist', epochs: 20, limit: 60_000 }))[0].path).toBe('limit');
    expect(unestimated(presetSpec('mnist-cnn', { dataset: 'mnist', epochs: 20, limit: 50_000 }))).toEqual([]);
    // Measured to fit the time limit: the stand-in for time gives way.
    expect(takingMinutes(presetSpec('cifar10-cnn', { epochs: 21 }), 30)).toEqual([]);
  });
});
