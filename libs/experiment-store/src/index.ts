// The experiment records and their event histories (Redis), the socket.io fan-out of new events,
// and the cancellation channel. The queue side (job names, options, fair share) is
// libs/training-queue.
export * from './experiment.types';
export * from './experiment.store';
export * from './experiment-keys';
export * from './experiment-event.publisher';
export * from './experiment-cancellation';
export * from './publishing-store';
