export * from './app-config';
export * from './parent-watch';
export * from './process-errors';
export * from './shutdown-deadline';
export * from './debian-package';
export * from './file-lock';
export * from './tokens';
export * from './available-cores';
