import type { ClassLimits } from '@trainyard/config';
import { describeEstimate, overTimeLimit, sampleEpochs, trainSampleCount, type ExperimentSpec, type JobLimits, type RunEstimate, type ValidationIssue } from '@trainyard/contracts';

/**
 * The class's per-job bounds, narrower than the schema's, so that one student's run cannot hold a
 * GPU for a day. Admins are exempt, and may submit a longer run on a student's behalf. Breaking
 * them is a 400 naming the field: waiting would not help, unlike the per-student limits' 429.
 *
 * - MAX_JOB_MINUTES, the main bound: the run's estimate (contracts' estimateRun: its FLOPs over
 *   the throughput the workers measured, on the fastest backend at hand) may not exceed it.
 * - MAX_EPOCHS_PER_JOB, always: it catches a preset on a few images, which gets the course's SGD
 *   steps as many epochs (courseEpochs), in the unit a student sets.
 * - MAX_SAMPLE_EPOCHS_PER_JOB (epochs × images), only when the run has no estimate (no worker has
 *   measured any model on the backends at hand): a crude stand-in for time, which a measured
 *   estimate replaces; otherwise it would refuse a small model's long run that fits the time limit.
 */
export function jobBoundIssues(spec: ExperimentSpec, estimate: RunEstimate, limits: ClassLimits): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const ask = 'ask a TA to submit a longer run for you';
  // The fields a student lowers to shorten a run: limit when they set one, else epochs.
  const sizeField = spec.limit !== undefined ? 'limit' : 'epochs';
  if (spec.epochs > limits.maxEpochsPerJob) {
    // A preset request without epochs gets the course's SGD steps (courseEpochs): on a few images that is many epochs.
    issues.push({
      path: 'epochs',
      message: `at most ${limits.maxEpochsPerJob} epochs per job in this class, and this run takes ${spec.epochs} (a preset without epochs takes the course's SGD steps, more epochs on fewer images: set epochs); ${ask}`,
    });
  }
  if (overTimeLimit(estimate, limits.maxJobMinutes)) {
    // A bigger batch measured faster (estimates never slow down as the batch grows): say so, the
    // student may have chosen a small batch without knowing what it costs per image.
    const biggest = estimate.basis === 'none' ? 0 : Math.max(estimate.measuredBatch, estimate.otherBatch ?? 0);
    const raise = estimate.batchSize < biggest ? `raise batchSize (measured at ${biggest}), ` : '';
    issues.push({
      path: sizeField,
      message: `estimated to take ${describeEstimate(estimate)} for ${spec.epochs} epoch(s) × ${estimate.samples} training images; at most ${limits.maxJobMinutes} min per job in this class (MAX_JOB_MINUTES): ${raise}lower epochs or limit, or ${ask}`,
    });
  }
  const size = sampleEpochs(spec);
  if (estimate.basis === 'none' && size > limits.maxSampleEpochsPerJob) {
    issues.push({
      path: sizeField,
      message: `${spec.epochs} epoch(s) × ${trainSampleCount(spec)} training images = ${size} image-epochs; at most ${limits.maxSampleEpochsPerJob} per job in this class while no worker has measured its speed (lower epochs or limit, or ${ask})`,
    });
  }
  return issues;
}

/** The bounds jobBoundIssues applies, as `GET /api/me` shows them to a student (the dashboard's form hints). */
export const jobLimits = (limits: ClassLimits): JobLimits => ({
  maxEpochsPerJob: limits.maxEpochsPerJob,
  maxSampleEpochsPerJob: limits.maxSampleEpochsPerJob,
  maxJobMinutes: limits.maxJobMinutes,
});
