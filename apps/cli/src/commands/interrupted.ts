import * as os from 'node:os';
import { TrainingCancelledError } from '@trainyard/contracts';

/**
 * The exit status of a command stopped by `signal`: 128 + the signal's number (SIGINT 130,
 * SIGTERM 143), what a shell reports for a process the signal ended, and what `watch` and
 * `bench` exit with.
 */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + os.constants.signals[signal];
}

/**
 * A run trained in this process (`train`, `report --local`) stopped by Ctrl-C (SIGINT) or
 * SIGTERM. A cancellation (failureEvent reports `cancelled`), which main.ts ends with `exitCode`
 * (signalExitCode), not the 1 of a failure.
 */
export class TrainingInterruptedError extends TrainingCancelledError {
  readonly exitCode: number;

  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted (${signal}); training stopped`);
    this.exitCode = signalExitCode(signal);
  }
}
