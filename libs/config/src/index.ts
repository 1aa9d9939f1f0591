export * from './app-config';
export * from './parent-watch';
export * from './process-errors';
