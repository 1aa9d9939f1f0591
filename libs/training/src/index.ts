export * from './data/dataset.types';
export * from './trainer/trainer.types';
export * from './random';
