import { presetSpec, resolveExperimentRequest, TEST_SAMPLES, trainSampleCount, type ExperimentSpec, type ExperimentView, type PresetName, type TrainedOn } from '@trainyard/contracts';
import { courseRows, presetOf } from './course-table';

const run = (preset: PresetName, finishedAt: string, accuracy: number, overrides = {}, loaded?: TrainedOn): ExperimentView =>
  record(presetSpec(preset, overrides), finishedAt, accuracy, loaded);
// By default the run loaded what its spec asks of the canonical set, as a result records it.
const record = (spec: ExperimentSpec, finishedAt: string, accuracy: number, loaded?: TrainedOn): ExperimentView => ({
  id: `${spec.name}-${finishedAt}`,
  owner: 'alice',
  spec,
  status: 'completed',
  createdAt: finishedAt,
  finishedAt,
  lastSeq: 9,
  result: {
    testAccuracy: accuracy,
    trainSamples: loaded?.trainSamples ?? trainSampleCount(spec),
    testSamples: loaded?.testSamples ?? Math.min(spec.testLimit ?? TEST_SAMPLES[spec.dataset], TEST_SAMPLES[spec.dataset]),
  } as ExperimentView['result'],
});

describe('course table', () => {
  it('maps every preset to its own row, whatever the epochs or limit; a variant to none', () => {
    for (const preset of ['mnist-fc', 'mnist-cnn', 'mnist-fc-permuted', 'mnist-cnn-permuted', 'cifar10-cnn', 'cifar10-vgg16'] as const) {
      expect(presetOf(presetSpec(preset, { epochs: 3, limit: 100 }))).toBe(preset);
    }
    expect(presetOf(presetSpec('mnist-cnn', { model: { head: 'conv1x1' } }))).toBeUndefined();
  });

  it('puts the newest completed run beside each published number', () => {
    const rows = courseRows([run('mnist-cnn', '2026-01-01T10:00:00Z', 0.9), run('mnist-cnn', '2026-01-01T11:00:00Z', 0.95), run('mnist-fc', '2026-01-01T09:00:00Z', 0.8)]);
    expect(rows.map((r) => r.preset)).toEqual(['mnist-fc', 'mnist-cnn', 'mnist-fc-permuted', 'mnist-cnn-permuted', 'cifar10-cnn', 'cifar10-vgg16']);
    expect(rows[1].measured?.result?.testAccuracy).toBe(0.95);
    expect(rows[1].published.testAccuracy).toBe(0.9615);
    expect(rows[2].measured).toBeUndefined();
  });

  it('counts only runs of the whole preset spec; a newer variant is listed under its preset, labelled', () => {
    const { normalize: _dropped, ...transforms } = presetSpec('mnist-cnn').transforms;
    const variant = record(resolveExperimentRequest({ ...presetSpec('mnist-cnn'), transforms, name: 'CNN [no normalisation]' }), '2026-01-01T12:00:00Z', 0.9152);
    const plain = run('mnist-cnn', '2026-01-01T10:00:00Z', 0.94, { seed: 5 });
    const row = courseRows([plain, variant]).find((r) => r.preset === 'mnist-cnn')!;
    expect(row.measured?.id).toBe(plain.id);
    expect(row.variants?.map((v) => [v.record.id, v.comparison.differences.map((d) => d.path)])).toEqual([[variant.id, ['transforms.normalize.mean', 'transforms.normalize.std']]]);
  });

  it('prefers the newest comparable run, and marks a row measured only by runs that are not comparable', () => {
    const comparable = run('mnist-fc', '2026-01-01T09:00:00Z', 0.86);
    const quick = run('mnist-fc', '2026-01-01T11:00:00Z', 0.15, { limit: 2000, epochs: 1 });
    expect(courseRows([comparable, quick])[0]).toMatchObject({ measured: { id: comparable.id }, comparison: { comparable: true } });
    expect(courseRows([quick])[0]).toMatchObject({
      measured: { id: quick.id },
      comparison: { comparable: false, reasons: ['a subset: the first 2,000 of 7,996 training images', 'fewer SGD steps than the course: 32 vs 938'] },
    });
  });

  // A server copy of MNIST that is not the canonical set: 2,000 / 500 IDX images in a worker's DATA_DIR/mnist. The spec says `mnist`, 1 epoch,
  // which on the canonical set is the course's run; the newer run must not push out the good one.
  it('judges a run on the images it loaded: a newer run on a small server copy of mnist does not replace the comparable run', () => {
    const bundled = run('mnist-cnn', '2026-01-01T09:00:00Z', 0.9396);
    const small = run('mnist-cnn', '2026-01-01T11:00:00Z', 0.204, { dataset: 'mnist' }, { trainSamples: 2000, testSamples: 500 });
    expect(courseRows([bundled, small])[1]).toMatchObject({ preset: 'mnist-cnn', measured: { id: bundled.id }, comparison: { comparable: true } });
    expect(courseRows([small])[1].comparison).toMatchObject({
      comparable: false,
      steps: 32,
      reasons: ['not the canonical set: 2,000 of 60,000 training images', 'tested on 500 of 10,000 test images', 'fewer SGD steps than the course: 32 vs 938'],
    });
  });
});
