export enum QueueName {
  Training = 'training',
}

export enum JobName {
  TrainExperiment = 'train-experiment',
}

export interface TrainJobData {
  experimentId: string;
  owner: string;
  /** Submitted by an admin: no per-student running limit applies to it (README, "Limits"). */
  exempt?: boolean;
}
