/**
 * Training died of its backend, not of its spec: a wasm RuntimeError ("memory access out of
 * bounds"), a training process killed by the OS or out of memory, a native crash. The job is
 * retried without using one of the student's attempts, a bounded number of times
 * (MAX_BACKEND_CRASHES in train-experiment.handler.ts).
 */
export class BackendCrashedError extends Error {
  constructor(message = 'the training backend crashed') {
    super(message);
    this.name = new.target.name;
  }
}
