// Injection tokens of the worker application.
export const APP_CONFIG = Symbol('APP_CONFIG');
export const REDIS_URL = Symbol('REDIS_URL');
/** ioredis client for the experiment store's commands and publishes. */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');
/** ioredis client in subscriber mode (cancel channel): a subscribed connection can do nothing else. */
export const REDIS_SUBSCRIBER = Symbol('REDIS_SUBSCRIBER');
export const TRAINER = Symbol('TRAINER');
export const BACKEND_SELECTION = Symbol('BACKEND_SELECTION');
export const PINO = Symbol('PINO');
/** process.exit, injected so that a test can see the worker decide to exit. */
export const PROCESS_EXIT = Symbol('PROCESS_EXIT');
