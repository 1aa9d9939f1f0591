import { UnrecoverableError } from 'bullmq';
import { isUnrecoverable } from './job-errors';

describe('isUnrecoverable', () => {
  it('fails at once what no retry can fix', () => {
    expect(isUnrecoverable(new RangeError('normalize mean has 3 values; the images have 1 channel(s)'))).toBe(true);
    expect(isUnrecoverable(new UnrecoverableError('experiment x is not in the store'))).toBe(true);
    expect(isUnrecoverable(Object.assign(new Error('bad spec'), { name: 'SpecValidationError' }))).toBe(true);
  });

  it('retries what may pass next time', () => {
    expect(isUnrecoverable(Object.assign(new Error('train-images-idx3-ubyte: download failed from every mirror'), { name: 'DatasetError' }))).toBe(false);
    expect(isUnrecoverable(new Error('Connection is closed.'))).toBe(false);
    expect(isUnrecoverable('weird')).toBe(false);
  });
});
