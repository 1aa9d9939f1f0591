import { TEST_SAMPLES, TRAIN_SAMPLES } from './dataset-sizes';
import { presetSpec } from './experiment-request';
import { forwardFlopsPerSample } from './model-layers';
import { describeEstimate, estimateRun, formatDuration, NO_MEASUREMENT, overTimeLimit, runWork, type ThroughputMeasurement } from './run-estimate';

const at = '2026-12-01T00:00:00.000Z';
const m = (model: ThroughputMeasurement['model'], backend: string, flopsPerSec: number): ThroughputMeasurement => ({ model, backend, flopsPerSec, runs: 3, updatedAt: at });

describe('runWork', () => {
  it('counts every epoch: training images at 3× the forward FLOPs, test images at 1×', () => {
    const spec = presetSpec('cifar10-vgg16', { epochs: 10 });
    const forward = forwardFlopsPerSample(spec.model, { height: 32, width: 32, channels: 3 });
    const work = runWork(spec);
    expect(work).toEqual({ flopsPerSample: 3 * forward, forwardFlopsPerSample: forward, samples: TRAIN_SAMPLES.cifar10, testSamples: TEST_SAMPLES.cifar10, epochs: 10, flops: 10 * (50_000 * 3 * forward + 10_000 * forward) });
    // VGG-11-shaped on 32×32: about 0.31 GFLOPs forward per image (2 × 153 M multiply-adds).
    expect(forward / 1e9).toBeCloseTo(0.306, 2);
  });

  it('takes limit and testLimit, and the images a worker really loaded', () => {
    const spec = presetSpec('mnist-cnn', { limit: 500, testLimit: 100, epochs: 2 });
    expect(runWork(spec)).toMatchObject({ samples: 500, testSamples: 100 });
    expect(runWork(spec, 400, 50)).toMatchObject({ samples: 400, testSamples: 50, flops: 2 * (400 * runWork(spec).flopsPerSample + 50 * runWork(spec).forwardFlopsPerSample) });
  });
});

describe('estimateRun', () => {
  const spec = presetSpec('cifar10-vgg16', { epochs: 10 });
  const flops = runWork(spec).flops;

  it("uses this model's measurement on the fastest backend at hand", () => {
    const e = estimateRun(spec, [m('vgg16', 'wasm', 5e9), m('vgg16', 'tensorflow', 50e9), m('cnn', 'tensorflow', 500e9)], ['wasm', 'tensorflow']);
    expect(e).toMatchObject({ basis: 'measured', backend: 'tensorflow', flopsPerSec: 50e9, seconds: flops / 50e9, measuredAt: at, runs: 3 });
    expect(e).not.toHaveProperty('fromModel');
  });

  it('considers only the live workers’ backends; with none live, every measured one', () => {
    const all = [m('vgg16', 'wasm', 5e9), m('vgg16', 'tensorflow', 50e9)];
    expect(estimateRun(spec, all, ['wasm'])).toMatchObject({ basis: 'measured', backend: 'wasm', seconds: flops / 5e9 });
    expect(estimateRun(spec, all, [])).toMatchObject({ basis: 'measured', backend: 'tensorflow' });
  });

  it('without a measurement of this model, is rough: the fastest other model on those backends', () => {
    const e = estimateRun(spec, [m('cnn', 'wasm', 4e9), m('cifar-cnn', 'wasm', 6e9), m('vgg16', 'tensorflow', 50e9)], ['wasm']);
    expect(e).toMatchObject({ basis: 'rough', backend: 'wasm', fromModel: 'cifar-cnn', seconds: flops / 6e9 });
    expect(describeEstimate(e)).toMatch(/^about .+ \(rough: from other models on wasm\)$/);
  });

  it('with no measurement on those backends, gives no time and says why', () => {
    for (const e of [estimateRun(spec, [], []), estimateRun(spec, [m('vgg16', 'tensorflow', 50e9)], ['wasm'])]) {
      expect(e).toMatchObject({ basis: 'none', seconds: null, reason: NO_MEASUREMENT, flops });
      expect(describeEstimate(e)).toBe('no worker has measured this yet');
      expect(overTimeLimit(e, 0.001)).toBe(false);
    }
  });

  it('is over a limit of N minutes only past N × 60 s', () => {
    const e = estimateRun(spec, [m('vgg16', 'wasm', flops / 600)], []);
    expect(e.seconds).toBeCloseTo(600);
    expect(overTimeLimit(e, 10)).toBe(false);
    expect(overTimeLimit(e, 9.99)).toBe(true);
    expect(describeEstimate(e)).toBe('about 10 min (measured on wasm)');
  });
});

describe('formatDuration', () => {
  it.each([
    [0.2, '1 s'],
    [42, '42 s'],
    [12 * 60 + 10, '12 min'],
    [17 * 3600 + 5 * 60, '17 h 05 min'],
    [80 * 3600, '3 d 8 h'],
  ])('%d s is %s', (s, text) => expect(formatDuration(s)).toBe(text));
});
