import { presetSpec, type PresetName } from '@trainyard/contracts';
import type { ExperimentRecord } from '../api/api-client';
import { courseRows, presetOf } from './course-table';

const run = (preset: PresetName, finishedAt: string, accuracy: number, overrides = {}): ExperimentRecord => ({
  id: `${preset}-${finishedAt}`,
  owner: 'alice',
  spec: presetSpec(preset, overrides),
  status: 'completed',
  createdAt: finishedAt,
  finishedAt,
  lastSeq: 9,
  result: { testAccuracy: accuracy } as ExperimentRecord['result'],
});

describe('course table', () => {
  it('maps every preset to its own row, whatever the epochs or limit', () => {
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
});
