import { presetSpec, type ExperimentView } from '@trainyard/contracts';
import { applyRunQuery, facet, parseRunQuery, runQueryString } from './run-filter';

const at = '2026-01-01T10:00:00.000Z';
const run = (id: string, over: Partial<ExperimentView> & { preset?: Parameters<typeof presetSpec>[0] } = {}): ExperimentView => {
  const { preset = 'mnist-cnn', ...rest } = over;
  return { id, owner: 'alice', spec: presetSpec(preset), status: 'completed', createdAt: at, lastSeq: 1, ...rest };
};

describe('runs list query', () => {
  it('round-trips through the URL, leaving defaults out and ignoring an unknown sort', () => {
    const q = parseRunQuery('?q=cnn%20perm&status=completed&owner=bob&tag=baseline&sort=accuracy');
    expect(q).toEqual({ q: 'cnn perm', status: 'completed', model: '', dataset: '', owner: 'bob', tag: 'baseline', sort: 'accuracy' });
    expect(parseRunQuery(runQueryString(q))).toEqual(q);
    expect(runQueryString(parseRunQuery(''))).toBe('');
    expect(parseRunQuery('?sort=__proto__').sort).toBe('newest');
  });

  it('filters by every word of the search (name, tags, note, owner, id) and by each field', () => {
    const runs = [
      run('a1', { tags: ['baseline'], note: 'first try' }),
      run('b2', { preset: 'mnist-fc', owner: 'bob', status: 'failed' }),
      run('c3', { preset: 'mnist-cnn-permuted', tags: ['ablation'] }),
    ];
    const ids = (search: string) => applyRunQuery(runs, parseRunQuery(search)).map((r) => r.id);
    expect(ids('?q=CNN')).toEqual(['a1', 'c3']);
    expect(ids('?q=cnn%20permuted')).toEqual(['c3']);
    expect(ids('?q=first')).toEqual(['a1']);
    expect(ids('?q=b2')).toEqual(['b2']);
    expect(ids('?status=failed')).toEqual(['b2']);
    expect(ids('?model=fc2layer')).toEqual(['b2']);
    expect(ids('?owner=alice&tag=ablation')).toEqual(['c3']);
    expect(ids('?dataset=cifar10')).toEqual([]);
    expect(facet(runs, (r) => r.tags)).toEqual(['ablation', 'baseline']);
  });

  it('lists a suite’s runs in the course’s order, and sorts by accuracy', () => {
    const suite = (id: string, preset: Parameters<typeof presetSpec>[0], acc: number) =>
      run(id, { preset, suite: 'week2-mnist', result: { testAccuracy: acc } as ExperimentView['result'] });
    // Same creation time, ids in no particular order: as the API lists a suite.
    const runs = [suite('f', 'mnist-cnn-permuted', 0.8), suite('a', 'mnist-fc', 0.87), suite('z', 'mnist-fc-permuted', 0.83), suite('m', 'mnist-cnn', 0.96)];
    const later = run('new', { createdAt: '2026-01-02T00:00:00.000Z' });
    const names = (search: string) => applyRunQuery([...runs, later], parseRunQuery(search)).map((r) => r.id);
    expect(names('')).toEqual(['new', 'a', 'm', 'z', 'f']);
    expect(names('?sort=oldest')).toEqual(['a', 'm', 'z', 'f', 'new']);
    expect(names('?sort=accuracy')).toEqual(['m', 'a', 'z', 'f', 'new']);
  });
});
