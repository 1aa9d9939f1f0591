// The training queue's BullMQ names and job payload. Only processes that talk to BullMQ (the API,
// the workers, tests) use them; the dashboard and the CLI see experiments through the HTTP API
// and socket.io, never a queue, so these live here and not in libs/contracts.

export enum QueueName {
  Training = 'training',
}

export enum JobName {
  TrainExperiment = 'train-experiment',
}

/** The payload of a `JobName.TrainExperiment` job: the experiment's record (libs/experiment-store) holds the spec. */
export interface TrainJobData {
  experimentId: string;
  owner: string;
  /** Submitted by an admin: no per-student running limit applies to it (README, "Limits"). */
  exempt?: boolean;
  /** How many times the training backend crashed under this job (set by workers; it fails after 2). */
  backendCrashes?: number;
  /**
   * The class's MAX_JOB_MINUTES as it applies to this run, set by the API: the worker stops an
   * attempt whose training (from its `started` event) passes it, and fails the run without retry.
   * Each attempt, a resumed one too, gets the full window. Absent for an admin's run, and for a
   * run with no estimate (no worker has measured it), to which the time limit does not apply.
   */
  maxMinutes?: number;
}
