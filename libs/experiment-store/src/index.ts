// The experiment records and their event histories (Redis), the socket.io fan-out of new
// events, the cancellation channel, and the options every training job is enqueued with.
export * from './experiment.types';
export * from './experiment.store';
export * from './experiment-keys';
export * from './experiment-event.publisher';
export * from './experiment-cancellation';
export * from './train-job.options';
export * from './fair-share.scheduler';
