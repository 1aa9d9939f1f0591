import { presetSpec, SUITES, type ExperimentView } from '@trainyard/contracts';
import { formatList, listedRuns, runLabel } from './experiment-summary';

// `trainyard list`: the TA's view of the class, in the dashboard's order, with its filters.
const at = '2026-12-01T03:00:00.000Z';
let n = 0;
const run = (extra: Partial<ExperimentView> & { spec: ExperimentView['spec'] }): ExperimentView => ({
  id: `0000000${n++}-0000-4000-8000-000000000000`,
  owner: 'student1',
  status: 'completed',
  createdAt: at,
  lastSeq: 1,
  ...extra,
});

describe('trainyard list', () => {
  it("lists a suite's runs in the course's order, whatever order the API answered in (they share one creation time)", () => {
    const suite = SUITES['week2-mnist'];
    const runs = suite.map((preset) => run({ suite: 'week2-mnist', spec: presetSpec(preset) }));
    const older = run({ spec: presetSpec('mnist-cnn'), createdAt: '2026-11-30T03:00:00.000Z' });
    // The order the API answered in a demo run, which the list must not keep: FC perm, CNN perm, FC, CNN.
    const answered = [runs[2], older, runs[3], runs[0], runs[1]];
    expect(listedRuns(answered, {}).map((r) => r.spec.name)).toEqual(['FC2Layer', 'CNN', 'FC2Layer, permuted pixels', 'CNN, permuted pixels', 'CNN']);
  });

  it('filters by status, owner, model and data set', () => {
    const rows = [
      run({ spec: presetSpec('mnist-cnn'), owner: 'student1' }),
      run({ spec: presetSpec('mnist-fc'), owner: 'student2', status: 'failed' }),
      run({ spec: presetSpec('mnist-cnn', { dataset: 'synthetic' }), owner: 'student2' }),
    ];
    expect(listedRuns(rows, { status: 'failed' })).toEqual([rows[1]]);
    expect(listedRuns(rows, { owner: 'student2', model: 'cnn' })).toEqual([rows[2]]);
    expect(listedRuns(rows, { dataset: 'mnist-bundled' })).toEqual([rows[0], rows[1]]);
  });

  it('labels a variant with what differs from its preset; the preset itself keeps its name', () => {
    expect(runLabel(presetSpec('mnist-cnn'))).toBe('CNN');
    expect(runLabel(presetSpec('mnist-cnn', { shuffle: false }))).toBe('CNN [shuffle: true → false]');
    expect(runLabel(presetSpec('mnist-cnn', { model: { head: 'conv1x1' }, optimizer: { lr: 0.05 } }))).toBe('CNN [model.head: fc → conv1x1; optimizer.lr: 0.01 → 0.05]');
    // Seed and data are not what makes a variant.
    expect(runLabel(presetSpec('mnist-cnn', { seed: 3, dataset: 'synthetic', limit: 64 }))).toBe('CNN');
  });

  it('has an OWNER column for a TA, and none for a student (who sees only their own runs)', () => {
    const rows = [run({ spec: presetSpec('mnist-cnn', { shuffle: false }), owner: 'student2' })];
    const ta = formatList(rows, new Map(), { owner: true }).split('\n');
    expect(ta[0]).toMatch(/^ID\s+OWNER\s+CREATED\s+STATUS\s+PROGRESS\s+RUN\s+DATA\s+RESULT$/);
    expect(ta[1]).toMatch(/^00000\S+\s+student2\s+.*CNN \[shuffle: true → false\]/);
    expect(formatList(rows).split('\n')[0]).toMatch(/^ID\s+CREATED\s+STATUS/);
  });
});
