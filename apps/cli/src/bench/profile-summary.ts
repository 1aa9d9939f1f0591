import { median } from './percentiles';

/** One profiled step's phases, each timed on its own (ms; see step-profile.ts for how). */
export interface StepPhases {
  /** Building the batch tensors from the data source. */
  dataMs: number;
  /** model.apply + loss, with no gradient tape. */
  forwardMs: number;
  /** tf.variableGrads: the forward pass again, on the tape, and the gradients. */
  forwardBackwardMs: number;
  /** optimizer.applyGradients. */
  optimizerMs: number;
}

/** Median ms per step of each phase; `totalMs` is their sum. */
export interface StepProfile {
  steps: number;
  dataMs: number;
  forwardMs: number;
  backwardMs: number;
  optimizerMs: number;
  totalMs: number;
}

/**
 * Medians over the profiled steps. Backward is the median of each step's forward+backward minus
 * its own forward, so one slow forward does not shift it. A negative backward (noise larger than
 * the pass) is kept as measured. Throws RangeError on no steps.
 */
export function summarizeProfile(samples: readonly StepPhases[]): StepProfile {
  if (!samples.length) throw new RangeError('no steps to profile');
  const of = (pick: (s: StepPhases) => number) => median(samples.map(pick));
  const profile = {
    dataMs: of((s) => s.dataMs),
    forwardMs: of((s) => s.forwardMs),
    backwardMs: of((s) => s.forwardBackwardMs - s.forwardMs),
    optimizerMs: of((s) => s.optimizerMs),
  };
  return { steps: samples.length, ...profile, totalMs: profile.dataMs + profile.forwardMs + profile.backwardMs + profile.optimizerMs };
}
