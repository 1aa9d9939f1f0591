import type { ExperimentSpec, TrainingResult } from '@trainyard/contracts';
import type { AppConfig } from '@trainyard/config';
import type { BackendSelection, TrainOptions } from '@trainyard/training';

/** What the worker needs of libs/training: an interface so a test can inject a fake through Nest DI. */
export interface Trainer {
  trainExperiment(spec: ExperimentSpec, options: TrainOptions): Promise<TrainingResult>;
  initBackend(choice: AppConfig['backend'], log: (message: string) => void): Promise<BackendSelection>;
}
