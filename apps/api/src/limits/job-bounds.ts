import type { ClassLimits } from '@trainyard/config';
import { sampleEpochs, trainSampleCount, type ExperimentSpec, type JobLimits, type ValidationIssue } from '@trainyard/contracts';

/**
 * The class's per-job bounds (MAX_EPOCHS_PER_JOB, MAX_SAMPLE_EPOCHS_PER_JOB), narrower than the
 * schema's, so that one student's run cannot hold a GPU for a day. Admins are exempt, and may
 * submit a longer run on a student's behalf. Breaking them is a 400 naming the field: waiting
 * would not help, unlike the per-student limits' 429.
 */
export function jobBoundIssues(spec: ExperimentSpec, limits: ClassLimits): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const ask = 'ask a TA to submit a longer run for you';
  if (spec.epochs > limits.maxEpochsPerJob) {
    // A preset request without epochs gets the course's SGD steps (courseEpochs): on a few images that is many epochs.
    issues.push({
      path: 'epochs',
      message: `at most ${limits.maxEpochsPerJob} epochs per job in this class, and this run takes ${spec.epochs} (a preset without epochs takes the course's SGD steps, more epochs on fewer images: set epochs); ${ask}`,
    });
  }
  const size = sampleEpochs(spec);
  if (size > limits.maxSampleEpochsPerJob) {
    issues.push({
      path: spec.limit !== undefined ? 'limit' : 'epochs',
      message: `${spec.epochs} epoch(s) × ${trainSampleCount(spec)} training images = ${size} image-epochs; at most ${limits.maxSampleEpochsPerJob} per job in this class (lower epochs or limit, or ${ask})`,
    });
  }
  return issues;
}

/** The bounds jobBoundIssues applies, as `GET /api/me` shows them to a student (the dashboard's form hints). */
export const jobLimits = (limits: ClassLimits): JobLimits => ({ maxEpochsPerJob: limits.maxEpochsPerJob, maxSampleEpochsPerJob: limits.maxSampleEpochsPerJob });
