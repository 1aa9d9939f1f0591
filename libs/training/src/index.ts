export * from './data';
export * from './transforms';
export * from './models';
export * from './trainer';
export * from './backend';
export * from './random';
