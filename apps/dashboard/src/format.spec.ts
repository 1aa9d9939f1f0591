import { duration, pct, rate, since } from './format';

describe('format', () => {
  it('formats accuracies, rates and durations for people', () => {
    expect(pct(0.9615)).toBe('96.15%');
    expect(pct(undefined)).toBe('–');
    expect(rate(53.26)).toBe('53.3 img/s');
    expect(rate(4012.4)).toBe('4,012 img/s');
    expect(duration(5.25)).toBe('5.3 s');
    expect(duration(125)).toBe('2 min 05 s');
    expect(duration(3 * 3600 + 65)).toBe('3 h 01 min');
  });

  it('says how long ago', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(since('2026-01-01T11:59:30Z', now)).toBe('just now');
    expect(since('2026-01-01T11:30:00Z', now)).toBe('30 min ago');
  });
});
