import { UnrecoverableError } from 'bullmq';
import { IncompatibleSpecError } from '@trainyard/training';
import { BackendCrashedError } from './backend-crashed.error';
import { isUnrecoverable } from './job-errors';

describe('isUnrecoverable', () => {
  it('fails at once what no retry can fix', () => {
    expect(isUnrecoverable(new IncompatibleSpecError('cnn on mnist (28×28×1): normalize mean has 3 values'))).toBe(true);
    expect(isUnrecoverable(new UnrecoverableError('experiment x is not in the store'))).toBe(true);
    expect(isUnrecoverable(Object.assign(new Error('bad spec'), { name: 'SpecValidationError' }))).toBe(true);
    // As they arrive from the training process: the class name kept, the prototype not.
    expect(isUnrecoverable(Object.assign(new Error('the training loss became NaN at epoch 1, batch 3'), { name: 'NonFiniteLossError' }))).toBe(true);
    expect(isUnrecoverable(Object.assign(new Error('epoch.testLoss is NaN'), { name: 'NonFiniteMetricError' }))).toBe(true);
  });

  it('retries what may pass next time', () => {
    expect(isUnrecoverable(Object.assign(new Error('train-images-idx3-ubyte: download failed from every mirror'), { name: 'DatasetError' }))).toBe(false);
    expect(isUnrecoverable(new Error('Connection is closed.'))).toBe(false);
    // Allocation failures are RangeErrors too, and may pass on a less busy worker.
    expect(isUnrecoverable(new RangeError('Array buffer allocation failed'))).toBe(false);
    expect(isUnrecoverable('weird')).toBe(false);
    // A backend crash is not the spec's fault, whatever its message says.
    expect(isUnrecoverable(new BackendCrashedError('training backend failed: RuntimeError: memory access out of bounds'))).toBe(false);
    expect(isUnrecoverable(new WebAssembly.RuntimeError('IncompatibleSpecError: memory access out of bounds'))).toBe(false);
  });
});
