import type { ExperimentEvent } from '@trainyard/contracts';
import { csvName, ema, runClock, toAxis, toCsv } from './chart-data';

describe('ema', () => {
  it('is the curve itself at weight 0, and bias-corrected otherwise (the first point is kept)', () => {
    expect(ema([1, 2, 3], 0)).toEqual([1, 2, 3]);
    const s = ema([1, 1, 1, 5], 0.5);
    expect(s[0]).toBeCloseTo(1);
    expect(s[1]).toBeCloseTo(1);
    // (0.5·(0.5·(0.5·0.5+0.5)+0.5)... ) / (1 − 0.5⁴): 1 + 4·0.5/0.9375
    expect(s[3]).toBeCloseTo((0.875 * 0.5 + 0.5 * 5) / 0.9375);
  });

  it('smooths a noisy curve: less spread, same level; gaps stay gaps', () => {
    const noisy = Array.from({ length: 200 }, (_, i) => 1 + (i % 2 ? 0.5 : -0.5));
    const smooth = ema(noisy, 0.9).slice(50) as number[];
    expect(Math.max(...smooth) - Math.min(...smooth)).toBeLessThan(0.2);
    expect(smooth.reduce((a, b) => a + b, 0) / smooth.length).toBeCloseTo(1, 1);
    expect(ema([1, null, 3], 0.5)[1]).toBeNull();
  });
});

describe('runClock and toAxis', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
  const base = { id: 'r' };
  const events = [
    { ...base, seq: 1, type: 'queued', at: at(0), position: 1 },
    { ...base, seq: 2, type: 'started', at: at(10), backend: 'cpu', params: 1, trainSamples: 8, testSamples: 4, epochs: 2, batches: 4 },
    ...[1, 2, 3, 4].map((b) => ({ ...base, seq: 2 + b, type: 'progress', at: at(10 + 2 * b), epoch: 1, epochs: 2, batch: b, batches: 4, loss: 1, accuracy: 0.5, samplesPerSec: 1 })),
    { ...base, seq: 7, type: 'epoch', at: at(19), epoch: 1, epochs: 2, trainLoss: 1, testLoss: 1, trainAccuracy: 0.5, testAccuracy: 0.5 },
  ] as unknown as ExperimentEvent[];

  it('maps epoch positions to steps and to seconds since the run started', () => {
    const clock = runClock(events)!;
    expect(clock.batches).toBe(4);
    expect(toAxis('epoch', clock, 0.5)).toBe(0.5);
    expect(toAxis('step', clock, 0.75)).toBe(3);
    expect(toAxis('step', clock, 1)).toBe(4);
    expect(toAxis('time', clock, 0.25)).toBe(2);
    expect(toAxis('time', clock, 0.625)).toBe(5);
    expect(toAxis('time', clock, 1)).toBe(8);
    expect(toAxis('time', undefined, 1)).toBeNull();
    expect(runClock(events.slice(0, 2))).toBeUndefined();
  });
});

describe('toCsv', () => {
  it('quotes what needs quoting and leaves gaps empty', () => {
    expect(toCsv(['epoch', 'loss, train'], [[0.5, 1.25], [1, null], ['say "hi"', NaN]])).toBe('epoch,"loss, train"\r\n0.5,1.25\r\n1,\r\n"say ""hi""",\r\n');
    expect(csvName('Training loss per batch')).toBe('training-loss-per-batch.csv');
  });
});
