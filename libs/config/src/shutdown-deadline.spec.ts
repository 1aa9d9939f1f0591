import { EventEmitter } from 'node:events';
import { exitIfShutdownHangs } from './shutdown-deadline';

describe('exitIfShutdownHangs', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const setUp = () => {
    const signals = new EventEmitter();
    const exit = jest.fn();
    const log = jest.fn();
    exitIfShutdownHangs(30_000, log, { on: (signal, listener) => void signals.once(signal, listener), exit });
    return { signals, exit, log };
  };

  it('exits 1, saying why, when the shutdown a signal started is still running after the deadline', () => {
    const { signals, exit, log } = setUp();
    jest.advanceTimersByTime(60_000);
    expect(exit).not.toHaveBeenCalled(); // no signal, no deadline
    signals.emit('SIGTERM');
    jest.advanceTimersByTime(29_999);
    expect(exit).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(exit).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledWith(1);
    expect(log).toHaveBeenCalledWith('SIGTERM: shutdown did not finish within 30 s (is Redis unreachable?); exiting without it');
  });

  it('starts one deadline, from the first signal (a second one does not move it)', () => {
    const { signals, exit } = setUp();
    signals.emit('SIGTERM');
    jest.advanceTimersByTime(20_000);
    signals.emit('SIGINT');
    jest.advanceTimersByTime(10_000);
    expect(exit).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(60_000);
    expect(exit).toHaveBeenCalledTimes(1);
  });
});
