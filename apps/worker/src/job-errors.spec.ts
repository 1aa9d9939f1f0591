import { UnrecoverableError } from 'bullmq';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetDamagedError, DatasetError, DatasetMissingError, IncompatibleSpecError, loadMnistIdx } from '@trainyard/training';
import { CheckpointMismatchError, NonFiniteLossError, NonFiniteMetricError, SpecValidationError, TrainingCancelledError } from '@trainyard/contracts';
import { ExperimentNotFoundError, FencedOutError } from '@trainyard/experiment-store';
import { BackendCrashedError } from './backend-crashed.error';
import { adminDetail, isUnrecoverable } from './job-errors';
import { reviveError, serializeError } from './training-process/training-process.protocol';

/** An error as the worker receives it from the training process (structured clone of its serialized form). */
const acrossTheBoundary = (err: Error) => reviveError(structuredClone(serializeError(err)));

describe('isUnrecoverable', () => {
  it('fails at once what no retry can fix', () => {
    expect(isUnrecoverable(new IncompatibleSpecError('cnn on mnist (28×28×1): normalize mean has 3 values'))).toBe(true);
    expect(isUnrecoverable(new UnrecoverableError('experiment x is not in the store'))).toBe(true);
    expect(isUnrecoverable(new SpecValidationError('bad spec', [{ path: 'epochs', message: 'Too big' }]))).toBe(true);
    // As they arrive from the training process: serialized, cloned, and revived as their class.
    expect(isUnrecoverable(acrossTheBoundary(new NonFiniteLossError(1, 3, NaN)))).toBe(true);
    expect(isUnrecoverable(acrossTheBoundary(new NonFiniteMetricError('epoch.testLoss', NaN)))).toBe(true);
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

describe('classification by class', () => {
  it('revives each of the training\'s errors as its own class, with its fields, across the training-process boundary', () => {
    const loss = acrossTheBoundary(new NonFiniteLossError(2, 5, Infinity));
    expect(loss).toBeInstanceOf(NonFiniteLossError);
    expect(loss).toMatchObject({ name: 'NonFiniteLossError', epoch: 2, batch: 5, loss: Infinity, message: expect.stringContaining('epoch 2, batch 5') });
    expect(acrossTheBoundary(new IncompatibleSpecError('cnn on mnist: too small'))).toBeInstanceOf(IncompatibleSpecError);
    expect(acrossTheBoundary(new NonFiniteMetricError('epoch.testLoss', NaN))).toMatchObject({ field: 'epoch.testLoss' });
    expect(acrossTheBoundary(new TrainingCancelledError('worker-shutdown'))).toBeInstanceOf(TrainingCancelledError);
    expect(acrossTheBoundary(new CheckpointMismatchError('/a/checkpoint.json', 'another spec'))).toBeInstanceOf(CheckpointMismatchError);
    // An unknown class keeps its name on a plain Error.
    const other = acrossTheBoundary(Object.assign(new Error('x'), { name: 'SomethingElse' }));
    expect(other.constructor).toBe(Error);
    expect(other.name).toBe('SomethingElse');
  });

  it('is by class, not by a name an error merely carries', () => {
    // In this process, a look-alike is not the class: it is retried like any other error.
    expect(isUnrecoverable(Object.assign(new Error('x'), { name: 'IncompatibleSpecError' }))).toBe(false);
    expect(isUnrecoverable(Object.assign(new Error('x'), { name: 'ExperimentNotFoundError' }))).toBe(false);
    expect(isUnrecoverable(new ExperimentNotFoundError('x'))).toBe(true);
    expect(isUnrecoverable(new SpecValidationError('Invalid experiment: epochs: Too small', []))).toBe(true);
  });
});

describe("the store's errors, thrown by the worker's onEvent", () => {
  // The training process awaits each event's acknowledgement, and rethrows the store's error from
  // it; the trainer lets it go, so it comes back in the process's answer. It must still be its class.
  it('come back from the training process as their own class', () => {
    const fenced = acrossTheBoundary(new FencedOutError('x'));
    expect(fenced).toBeInstanceOf(FencedOutError);
    expect(fenced.name).toBe('FencedOutError');
    const missing = acrossTheBoundary(new ExperimentNotFoundError('x'));
    expect(missing).toBeInstanceOf(ExperimentNotFoundError);
    expect((missing as ExperimentNotFoundError).experimentId).toBe('x');
    expect(isUnrecoverable(missing)).toBe(true);
  });
});

describe('a missing data set', () => {
  it('is not retried, and keeps its TA detail across the training-process boundary', () => {
    const err = new DatasetMissingError('cifar10', 'CIFAR-10: no batch files in /srv/data; run `trainyard data fetch cifar10 --data-dir /srv/data`');
    expect(isUnrecoverable(err)).toBe(true);
    // As it arrives from the training process: structured clone of the serialized form.
    const revived = reviveError(structuredClone(serializeError(err)));
    expect(isUnrecoverable(revived)).toBe(true);
    expect(revived.message).toBe('CIFAR-10 is not installed on this server; ask your TA');
    expect(adminDetail(revived)).toMatch(/trainyard data fetch cifar10 --data-dir \/srv\/data/);
    expect(adminDetail(new Error('plain'))).toBeUndefined();
  });
});

describe('a damaged data set', () => {
  const detail = 'MNIST: /srv/data/mnist/train-images-idx3-ubyte: wrong magic number 4660, expected 2051 (idx3 images). To repair it, delete …';

  it('is not retried, and crosses the training-process boundary as its own class with its TA detail', () => {
    const err = new DatasetDamagedError('mnist', detail);
    expect(isUnrecoverable(err)).toBe(true);
    const revived = reviveError(structuredClone(serializeError(err)));
    expect(revived).toBeInstanceOf(DatasetDamagedError);
    expect(isUnrecoverable(revived)).toBe(true);
    expect(revived.message).toBe('MNIST on this server is damaged or unreadable; ask your TA');
    expect(revived.message).not.toContain('/srv/data');
    expect(adminDetail(revived)).toBe(detail);
  });

  it('is what the MNIST loader throws for a file with a wrong magic number, and the worker fails it at once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'trainyard-job-errors-'));
    try {
      mkdirSync(join(dataDir, 'mnist'));
      for (const name of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
        writeFileSync(join(dataDir, 'mnist', name), Buffer.from([0, 0, 0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
      }
      const thrown = await loadMnistIdx({ dataDir, download: false }).catch((e: unknown) => e);
      const revived = reviveError(structuredClone(serializeError(thrown)));
      expect(isUnrecoverable(revived)).toBe(true);
      expect(revived.message).not.toContain(dataDir);
      expect(adminDetail(revived)).toContain(`${join(dataDir, 'mnist', 'train-images-idx3-ubyte')}: wrong magic number 4660`);
      expect(adminDetail(revived)).toContain(`trainyard data verify --data-dir ${dataDir}`);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('is classified by class: a file error outside a loader, or a look-alike name, is not', () => {
    // A DatasetError alone (a file read outside the loaders' boundary) keeps the retry.
    expect(isUnrecoverable(new DatasetError('/srv/data/x', 'cannot read: EIO'))).toBe(false);
    expect(adminDetail(Object.assign(new Error('x'), { name: 'DatasetDamagedError', adminDetail: '/srv/data' }))).toBeUndefined();
  });
});
