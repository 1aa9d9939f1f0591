import { ApiError, SpecValidationError } from '@trainyard/contracts';
import { TrainingInterruptedError } from './commands/interrupted';
import { WatchInterruptedError } from './commands/watch-runs';

/**
 * The exit status for an error a command's action threw (commander's own errors aside): 128 + the
 * signal for a Ctrl-C / SIGTERM (130 / 143), 2 for an invalid spec (the user's input to fix),
 * 1 for any other failure.
 */
export function exitCodeFor(err: unknown): number {
  if (err instanceof WatchInterruptedError || err instanceof TrainingInterruptedError) return err.exitCode;
  return err instanceof SpecValidationError || (err instanceof ApiError && err.status === 400) ? 2 : 1;
}
