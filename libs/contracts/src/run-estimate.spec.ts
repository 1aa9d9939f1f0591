import { TEST_SAMPLES, TRAIN_SAMPLES } from './dataset-sizes';
import { presetSpec } from './experiment-request';
import { forwardFlopsPerSample } from './model-layers';
import { describeEstimate, estimateRun, formatDuration, NO_MEASUREMENT, overTimeLimit, runWork, SMALL_BATCH_EXPONENT, type ThroughputMeasurement } from './run-estimate';

const at = '2026-12-01T00:00:00.000Z';
/** A measurement; batch 128 by default, the VGG preset's, so that most tests need no scaling. */
const m = (model: ThroughputMeasurement['model'], backend: string, flopsPerSec: number, batchSize = 128): ThroughputMeasurement => ({ model, backend, batchSize, flopsPerSec, runs: 3, updatedAt: at });

describe('runWork', () => {
  it('counts every epoch: training images at 3× the forward FLOPs, test images at 1×', () => {
    const spec = presetSpec('cifar10-vgg16', { epochs: 10 });
    const forward = forwardFlopsPerSample(spec.model, { height: 32, width: 32, channels: 3 });
    const work = runWork(spec);
    expect(work).toEqual({ flopsPerSample: 3 * forward, forwardFlopsPerSample: forward, samples: TRAIN_SAMPLES.cifar10, testSamples: TEST_SAMPLES.cifar10, epochs: 10, batchSize: 128, flops: 10 * (50_000 * 3 * forward + 10_000 * forward) });
    // VGG-11-shaped on 32×32: about 0.31 GFLOPs forward per image (2 × 153 M multiply-adds).
    expect(forward / 1e9).toBeCloseTo(0.306, 2);
  });

  it('takes limit and testLimit, and the images a worker really loaded', () => {
    const spec = presetSpec('mnist-cnn', { limit: 500, testLimit: 100, epochs: 2 });
    expect(runWork(spec)).toMatchObject({ samples: 500, testSamples: 100 });
    expect(runWork(spec, 400, 50)).toMatchObject({ samples: 400, testSamples: 50, flops: 2 * (400 * runWork(spec).flopsPerSample + 50 * runWork(spec).forwardFlopsPerSample) });
  });

  it('trains in batches of at most the images there are: a batch past them is one step of all of them', () => {
    expect(runWork(presetSpec('mnist-cnn', { limit: 500, batchSize: 32 }))).toMatchObject({ batchSize: 32 });
    expect(runWork(presetSpec('mnist-cnn', { limit: 500, batchSize: 1024 }))).toMatchObject({ batchSize: 500 });
    expect(runWork(presetSpec('mnist-cnn', { limit: 500, batchSize: 1024 }), 300)).toMatchObject({ batchSize: 300 });
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

describe('estimateRun across batch sizes', () => {
  // Per-step overhead (kernel launches, the optimizer, the event loop) does not shrink with the
  // batch, so a run's speed depends on its batch as much as on its model: the reviewer's
  // cifar10-cnn at batch 1 was estimated 13.9 min from batch-64 runs and took about 91 min.
  const batch1 = presetSpec('cifar10-cnn', { batchSize: 1, epochs: 30 });
  const batch64 = presetSpec('cifar10-cnn', { batchSize: 64, epochs: 30 });
  const flops = runWork(batch64).flops;
  /** The cifar-cnn measured at batch 64 so that the batch-64 run takes 13.9 min. */
  const at64 = m('cifar-cnn', 'wasm', flops / (13.9 * 60), 64);

  it('extrapolates below the smallest measured batch by (b ÷ measured)^0.5, not at the same time per step', () => {
    // The reviewer's mnist-cnn at batch 1: scaled by b ÷ 64 it was estimated 46 min and ran 3.6.
    expect(runWork(batch1).flops).toBe(flops);
    const e = estimateRun(batch1, [at64], ['wasm']);
    expect(e).toMatchObject({ basis: 'measured', backend: 'wasm', batchSize: 1, measuredBatch: 64, flopsPerSec: at64.flopsPerSec / 8 });
    expect(e).not.toHaveProperty('otherBatch');
    expect(e.seconds).toBeCloseTo(8 * 13.9 * 60, 3);
    expect(overTimeLimit(e, 60)).toBe(true);
    expect(describeEstimate(e)).toBe('about 1 h 51 min (measured on wasm at batch 64, extrapolated to batch 1)');
    expect(SMALL_BATCH_EXPONENT).toBe(0.5);
  });

  it('uses the largest measured rate for a bigger batch (bigger batches amortise the per-step overhead)', () => {
    const e = estimateRun(presetSpec('cifar10-cnn', { batchSize: 256, epochs: 30 }), [at64], ['wasm']);
    expect(e).toMatchObject({ basis: 'measured', batchSize: 256, measuredBatch: 64, flopsPerSec: at64.flopsPerSec });
    expect(describeEstimate(e)).toBe('about 14 min (measured on wasm at batch 64, used for batch 256)');
    // The same batch: nothing to say about it.
    expect(describeEstimate(estimateRun(batch64, [at64], ['wasm']))).toBe('about 14 min (measured on wasm)');
  });

  it('a batch-1 measurement does not change a batch-64 estimate, even when it is the faster one', () => {
    const alone = estimateRun(batch64, [at64], []);
    const beside = estimateRun(batch64, [at64, m('cifar-cnn', 'wasm', at64.flopsPerSec * 2, 1), m('cifar-cnn', 'wasm', at64.flopsPerSec / 4, 1)], []);
    expect(beside).toEqual(alone);
    expect(alone.seconds).toBeCloseTo(13.9 * 60, 3);
  });

  it('interpolates log-log between the two measured batches around the run’s, then picks the fastest backend', () => {
    const list = [m('cifar-cnn', 'wasm', 1e9, 1), m('cifar-cnn', 'wasm', 8e9, 64), m('cifar-cnn', 'wasm', 12e9, 256)];
    const at = (batchSize: number, measurements = list) => estimateRun(presetSpec('cifar10-cnn', { batchSize }), measurements, []);
    // 8 is halfway from 1 to 64 by log: the rate halfway by log, √(1e9 × 8e9).
    expect(at(8)).toMatchObject({ flopsPerSec: expect.closeTo(Math.sqrt(8e18), -3) });
    expect(at(4)).toMatchObject({ measuredBatch: 1, otherBatch: 64 });
    expect(describeEstimate(at(8))).toMatch(/\(measured on wasm at batches 1 and 64, interpolated for batch 8\)$/);
    expect(at(32)).toMatchObject({ measuredBatch: 64, otherBatch: 1 });
    expect(at(128)).toMatchObject({ flopsPerSec: expect.closeTo(Math.sqrt(8e9 * 12e9), -3) });
    expect(at(64)).toMatchObject({ measuredBatch: 64, flopsPerSec: 8e9 });
    expect(at(512)).toMatchObject({ measuredBatch: 256, flopsPerSec: 12e9 });
    // Another backend is judged at the run's batch on its own measurements.
    expect(at(64, [...list, m('cifar-cnn', 'tensorflow', 6e9, 1)])).toMatchObject({ backend: 'wasm', measuredBatch: 64, flopsPerSec: 8e9 });
    expect(at(64, [...list, m('cifar-cnn', 'tensorflow', 9e9, 64)])).toMatchObject({ backend: 'tensorflow', measuredBatch: 64, flopsPerSec: 9e9 });
  });

  it('is monotonic in the batch: a bigger batch is never estimated slower, nor a jump between measurements', () => {
    // The reviewer's: measured at 1 and 64, batch 9 was estimated slower than batch 1 (nearest
    // batch, 64, scaled by 9 ÷ 64). And a noisy bigger batch measured slower than a smaller one.
    const lists = [
      [m('cifar-cnn', 'wasm', 1e9, 1), m('cifar-cnn', 'wasm', 8e9, 64)],
      [m('cifar-cnn', 'wasm', 1e9, 1), m('cifar-cnn', 'wasm', 8e9, 64), m('cifar-cnn', 'wasm', 6e9, 128), m('cifar-cnn', 'wasm', 2e9, 16)],
    ];
    for (const list of lists) {
      const perImage = (batchSize: number) => {
        const e = estimateRun(presetSpec('cifar10-cnn', { batchSize, epochs: 1 }), list, []);
        return e.seconds! / e.samples;
      };
      for (let b = 1; b < 300; b++) expect(perImage(b + 1)).toBeLessThanOrEqual(perImage(b) * (1 + 1e-12));
    }
  });

  it('extrapolates a rough estimate the same way, and says so', () => {
    const e = estimateRun(batch1, [m('cnn', 'wasm', at64.flopsPerSec, 64)], ['wasm']);
    expect(e).toMatchObject({ basis: 'rough', fromModel: 'cnn', measuredBatch: 64, batchSize: 1, flopsPerSec: at64.flopsPerSec / 8 });
    expect(describeEstimate(e)).toBe('about 1 h 51 min (rough: from other models on wasm, measured at batch 64, extrapolated to batch 1)');
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
