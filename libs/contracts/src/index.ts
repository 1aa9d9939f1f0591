export * from './experiment-spec.schema';
export * from './experiment-request';
export * from './presets';
export * from './experiment-events';
export * from './queue-names';
export * from './socket-events';
export * from './dataset-sizes';
export * from './experiment-record';
