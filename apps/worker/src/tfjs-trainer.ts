import { initBackend, trainExperiment } from '@trainyard/training';
import type { Trainer } from './trainer.port';

/** The real trainer: libs/training over TF.js. */
export const tfjsTrainer: Trainer = { trainExperiment, initBackend };
