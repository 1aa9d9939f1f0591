import { presetSpec, resolveExperimentRequest, type ExperimentSpec, type PresetName } from '@trainyard/contracts';
import type { ExperimentRecord } from '../api/api-client';
import { courseRows, presetOf } from './course-table';

const run = (preset: PresetName, finishedAt: string, accuracy: number, overrides = {}): ExperimentRecord => record(presetSpec(preset, overrides), finishedAt, accuracy);
const record = (spec: ExperimentSpec, finishedAt: string, accuracy: number): ExperimentRecord => ({
  id: `${spec.name}-${finishedAt}`,
  owner: 'alice',
  spec,
  status: 'completed',
  createdAt: finishedAt,
  finishedAt,
  lastSeq: 9,
  result: { testAccuracy: accuracy } as ExperimentRecord['result'],
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
      comparison: { comparable: false, reasons: ['a subset: the first 2000 of 7996 training images', 'fewer SGD steps than the course: 32 vs 938'] },
    });
  });
});
