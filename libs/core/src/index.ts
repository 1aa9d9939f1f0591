// The Nest wiring the API and the worker share: CoreModule.forRoot and its injection tokens.
export * from './core.tokens';
export * from './core.module';
export * from './redis-clients';
export * from './logger.options';
export * from './core-providers';
