import { estimateStarts } from './start-estimate';

describe('estimateStarts', () => {
  const t0 = 1_000_000;
  it('hands each waiting job to the first worker to free up', () => {
    const starts = estimateStarts(t0, 2, [10, 30], [
      { id: 'a', seconds: 5 },
      { id: 'b', seconds: 5 },
      { id: 'c', seconds: 5 },
      { id: 'd', seconds: 5 },
    ]);
    expect([...starts.values()]).toEqual([t0 + 10_000, t0 + 15_000, t0 + 20_000, t0 + 25_000]);
  });

  it('starts at once on an idle worker', () => {
    expect(estimateStarts(t0, 2, [10], [{ id: 'a', seconds: 5 }]).get('a')).toBe(t0);
  });

  it('gives no estimate behind a job of unknown duration, or with no workers', () => {
    const starts = estimateStarts(t0, 1, [10], [
      { id: 'a', seconds: undefined },
      { id: 'b', seconds: 5 },
    ]);
    expect(starts.get('a')).toBe(t0 + 10_000);
    expect(starts.get('b')).toBeUndefined();
    expect(estimateStarts(t0, 1, [undefined], [{ id: 'a', seconds: 5 }]).get('a')).toBeUndefined();
    expect(estimateStarts(t0, 0, [], [{ id: 'a', seconds: 5 }]).get('a')).toBeUndefined();
  });
});
