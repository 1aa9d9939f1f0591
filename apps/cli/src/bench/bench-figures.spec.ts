import { formatFraction, formatRatio, goalCell, queueGoalCell, queueRoundOrder, queueRunSize, ratio, summarizeQueueRounds, trainSamplesFor, warmRate } from './bench-figures';

describe('ratio (TF.js ÷ PyTorch)', () => {
  it('divides TF.js by PyTorch, the direction the issue states its goals in', () => {
    expect(ratio(4571, 14801)).toBeCloseTo(0.3088, 4);
  });

  it('has no value when either side is missing or PyTorch measured nothing', () => {
    expect(ratio(undefined, 100)).toBeUndefined();
    expect(ratio(100, undefined)).toBeUndefined();
    expect(ratio(100, 0)).toBeUndefined();
  });

  it('formats with two decimals, and two significant digits below 0.01 (the cpu backend on convolutions)', () => {
    expect(formatRatio(0.3088)).toBe('0.31×');
    expect(formatRatio(1.5)).toBe('1.50×');
    expect(formatRatio(0.001634)).toBe('0.0016×');
    expect(formatRatio(undefined)).toBe('-');
  });
});

describe('goalCell', () => {
  it("marks the issue's goals: 0.5× on cnn and cifar-cnn, 0.25× on vgg16", () => {
    expect(goalCell('cnn', 0.31)).toBe('≥ 0.5×: not met');
    expect(goalCell('cifar-cnn', 0.5)).toBe('≥ 0.5×: met');
    expect(goalCell('vgg16', 0.26)).toBe('≥ 0.25×: met');
    expect(goalCell('vgg16', 0.12)).toBe('≥ 0.25×: not met');
  });

  it('has none for fc2layer, and says so when a goal has no figure to judge', () => {
    expect(goalCell('fc2layer', 0.17)).toBe('-');
    expect(goalCell('cnn', undefined)).toBe('≥ 0.5×: no figure');
  });
});

describe('queue-overhead fraction', () => {
  it('is a percentage with one decimal, judged against 98%', () => {
    expect(formatFraction(0.97345)).toBe('97.3%');
    expect(formatFraction(undefined)).toBe('-');
    expect(queueGoalCell(0.985)).toBe('≥ 98%: met');
    expect(queueGoalCell(0.9799)).toBe('≥ 98%: not met');
    expect(queueGoalCell(undefined)).toBe('≥ 98%: no figure');
  });
});

describe('trainSamplesFor', () => {
  it('sizes a run to about the seconds asked at the rate measured, in whole batches', () => {
    expect(trainSamplesFor(5000, 5, 64)).toBe(25024); // 25,000 rounded up to 391 batches
  });

  it('takes at least 6 batches, and at most what the synthetic set generates', () => {
    expect(trainSamplesFor(22, 5, 128)).toBe(768);
    expect(trainSamplesFor(Number.NaN, 5, 64)).toBe(384);
    expect(trainSamplesFor(1e6, 5, 64)).toBe(59968); // 60,000 rounded down to 937 batches
  });
});

describe('queueRunSize', () => {
  it('trains about the seconds asked in one epoch when the synthetic set is large enough', () => {
    expect(queueRunSize(1000, 20, 64)).toEqual({ limit: 20032, epochs: 1 });
  });

  it('splits into equal epochs of at most 60,000 samples beyond that', () => {
    expect(queueRunSize(5000, 20, 64)).toEqual({ limit: 50048, epochs: 2 });
    expect(queueRunSize(10000, 20, 64)).toEqual({ limit: 50048, epochs: 4 });
  });
});

describe('warmRate', () => {
  it('counts the samples and time from the first report past a third of the batches to the last', () => {
    // 30 batches of 64: a slow start (batches 1–9 in 900 ms), then 10 ms a batch.
    const marks = [
      { at: 0, batch: 1 },
      { at: 900, batch: 9 },
      { at: 1000, batch: 10 },
      { at: 1100, batch: 20 },
      { at: 1200, batch: 30 },
    ];
    expect(warmRate(marks, 30, 64)).toBeCloseTo((20 * 64 * 1000) / 200, 6); // 6,400 samples/s, not the whole run's 1,600
  });

  it("refuses a multi-epoch run's marks, whose batch numbers restart each epoch", () => {
    const twoEpochs = [
      { at: 0, batch: 10 },
      { at: 100, batch: 30 },
      { at: 110, batch: 1 },
      { at: 300, batch: 30 },
    ];
    expect(() => warmRate(twoEpochs, 30, 64)).toThrow(new RangeError("warmRate takes one epoch's marks: batch 30 was followed by batch 1"));
  });

  it('is undefined without two marks in the warm part', () => {
    expect(warmRate([], 30, 64)).toBeUndefined();
    expect(warmRate([{ at: 0, batch: 1 }, { at: 5, batch: 30 }], 30, 64)).toBeUndefined();
  });
});

describe('queueRoundOrder', () => {
  it('alternates bare → queued and queued → bare, starting bare first', () => {
    expect([0, 1, 2, 3].map(queueRoundOrder)).toEqual([
      ['bare', 'queued'],
      ['queued', 'bare'],
      ['bare', 'queued'],
      ['queued', 'bare'],
    ]);
  });

  it('refuses a round that is not a whole number from 0', () => {
    expect(() => queueRoundOrder(-1)).toThrow(new RangeError('a round is a whole number ≥ 0, got -1'));
    expect(() => queueRoundOrder(1.5)).toThrow(RangeError);
  });
});

describe('summarizeQueueRounds', () => {
  it("takes each round's queued ÷ bare, their median as the headline, their spread, and each side's median", () => {
    // The two single-pair figures the issue saw (102.1%, 97.0%) and one between.
    const s = summarizeQueueRounds([
      { bare: 8000, queued: 8168 },
      { bare: 8000, queued: 7760 },
      { bare: 7900, queued: 7821 },
    ]);
    expect(s.fractions.map((f) => Number(f.toFixed(4)))).toEqual([1.021, 0.97, 0.99]);
    expect(s.median).toBeCloseTo(0.99, 10);
    expect(s.min).toBeCloseTo(0.97, 10);
    expect(s.max).toBeCloseTo(1.021, 10);
    expect(s.bareMedian).toBe(8000);
    expect(s.queuedMedian).toBe(7821);
  });

  it('takes the median of the per-round fractions, not the ratio of the medians, and the mean of the middle two for an even count', () => {
    // Per round: 0.5, 1, 1.2, 1.5 → median 1.1. Ratio of the sides' medians would be 1500 ÷ 1500 = 1.
    const s = summarizeQueueRounds([
      { bare: 1000, queued: 500 },
      { bare: 2000, queued: 2000 },
      { bare: 1000, queued: 1200 },
      { bare: 2000, queued: 3000 },
    ]);
    expect(s.median).toBeCloseTo(1.1, 10);
    expect(s.bareMedian).toBe(1500);
    expect(s.queuedMedian).toBe(1600);
  });

  it('refuses no rounds, and a bare run that measured nothing', () => {
    expect(() => summarizeQueueRounds([])).toThrow(new RangeError('the queue overhead needs at least one round'));
    expect(() => summarizeQueueRounds([{ bare: 100, queued: 99 }, { bare: 0, queued: 99 }])).toThrow(
      new RangeError('round 2: the bare run measured 0 samples/s, nothing to divide by'),
    );
  });
});
