export const ROLES = ['student', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: what the API knows of a token (`GET /api/me` answers a SessionBody). */
export interface Principal {
  name: string;
  role: Role;
}

/**
 * The class's per-job bounds that the API enforces on a student's run, narrower than the spec
 * schema's LIMITS (config MAX_JOB_MINUTES, MAX_EPOCHS_PER_JOB, MAX_SAMPLE_EPOCHS_PER_JOB; apps/api job-bounds).
 */
export interface JobLimits {
  maxEpochsPerJob: number;
  /** epochs × training images of one job; applied only to a run the API cannot estimate. */
  maxSampleEpochsPerJob: number;
  /** Minutes a run may be estimated to take (see RunEstimate). */
  maxJobMinutes: number;
}

/** The body of `GET /api/me`: who is calling, and for a student the job bounds (admins are exempt: absent). */
export interface SessionBody extends Principal {
  jobLimits?: JobLimits;
}
