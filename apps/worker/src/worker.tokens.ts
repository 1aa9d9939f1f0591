// Injection tokens of the worker application's own providers; what it shares with the API
// (config, Redis, the store, the queue, the logger) is @trainyard/core's.
export const TRAINER = Symbol('TRAINER');
export const BACKEND_SELECTION = Symbol('BACKEND_SELECTION');
/** process.exit, injected so that a test can see the worker decide to exit. */
export const PROCESS_EXIT = Symbol('PROCESS_EXIT');
