import { ApiError, SpecValidationError, TrainingCancelledError } from '@trainyard/contracts';
import { signalExitCode, TrainingInterruptedError } from './commands/interrupted';
import { WatchInterruptedError } from './commands/watch-runs';
import { exitCodeFor } from './exit-code';

describe('exitCodeFor (main.ts)', () => {
  it('ends a run trained here and stopped by a signal with 128 + the signal, as watch does', () => {
    expect(exitCodeFor(new TrainingInterruptedError('SIGINT'))).toBe(130);
    expect(exitCodeFor(new TrainingInterruptedError('SIGTERM'))).toBe(143);
    expect(exitCodeFor(new WatchInterruptedError(['00000000-0000-4000-8000-000000000000']))).toBe(130);
  });

  it('gives any other failure 1, a cancellation without a signal included', () => {
    expect(exitCodeFor(new Error('boom'))).toBe(1);
    expect(exitCodeFor(new TrainingCancelledError('cancelled'))).toBe(1);
    expect(exitCodeFor(Object.assign(new Error('x'), { exitCode: 130 }))).toBe(1);
    expect(exitCodeFor('weird')).toBe(1);
  });

  it('gives an invalid spec 2', () => {
    expect(exitCodeFor(new SpecValidationError('Invalid experiment: epochs', []))).toBe(2);
    expect(exitCodeFor(new ApiError(400, 'bad'))).toBe(2);
    expect(exitCodeFor(new ApiError(500, 'down'))).toBe(1);
  });
});

describe('signalExitCode', () => {
  it('is 128 + the signal number (the shell’s convention)', () => {
    expect(signalExitCode('SIGINT')).toBe(130);
    expect(signalExitCode('SIGTERM')).toBe(143);
  });

  it('makes an interruption a cancellation (train --json reports `cancelled`)', () => {
    const err = new TrainingInterruptedError('SIGINT');
    expect(err).toBeInstanceOf(TrainingCancelledError);
    expect(err.message).toMatch(/interrupted \(SIGINT\)/);
  });
});
