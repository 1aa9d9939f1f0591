export enum QueueName {
  Training = 'training',
}

export enum JobName {
  TrainExperiment = 'train-experiment',
}

export interface TrainJobData {
  experimentId: string;
  owner: string;
}
