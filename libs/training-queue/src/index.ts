// The BullMQ side of training: the queue's names and job payload, the options every training job
// is enqueued with, the one enqueue path (TrainingQueue), and the fair-share scheduler, whose Lua
// reads BullMQ's own keys and so lives beside BullMQ rather than beside the experiment records.
export * from './queue-names';
export * from './train-job.options';
export * from './training-queue';
export * from './fair-share.scheduler';
export * from './throughput.store';
