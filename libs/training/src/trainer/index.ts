export * from './trainer.types';
export * from './train-experiment';
export * from './model-io';
export * from './loss';
export * from './optimizer.factory';
export * from './batch-source';
