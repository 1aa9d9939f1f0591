import { summarizeProfile } from './profile-summary';

describe('summarizeProfile', () => {
  it('takes the median of each phase; backward is forward+backward minus forward, step by step', () => {
    const profile = summarizeProfile([
      { dataMs: 1, forwardMs: 10, forwardBackwardMs: 40, optimizerMs: 2 },
      { dataMs: 3, forwardMs: 12, forwardBackwardMs: 36, optimizerMs: 4 },
      { dataMs: 2, forwardMs: 30, forwardBackwardMs: 60, optimizerMs: 3 },
    ]);
    // Backward per step: 30, 24, 30 → median 30 (the median of the differences, not 40 − 12).
    expect(profile).toEqual({ steps: 3, dataMs: 2, forwardMs: 12, backwardMs: 30, optimizerMs: 3, totalMs: 47 });
  });

  it('keeps a negative backward (noise larger than the backward pass) rather than hiding it', () => {
    expect(summarizeProfile([{ dataMs: 0, forwardMs: 10, forwardBackwardMs: 9, optimizerMs: 0 }]).backwardMs).toBe(-1);
  });

  it('refuses an empty profile', () => {
    expect(() => summarizeProfile([])).toThrow('no steps to profile');
  });
});
