import { TrainingCancelledError } from '@trainyard/contracts';
import { failureEvent } from './train.command';

describe('failureEvent (train --json)', () => {
  it('reports a cancelled run as `cancelled`, by its class', () => {
    expect(failureEvent(new TrainingCancelledError('interrupted'))).toEqual({ type: 'cancelled', reason: 'interrupted' });
  });

  it('reports anything else as `failed`, a look-alike name included', () => {
    expect(failureEvent(new Error('boom'))).toEqual({ type: 'failed', error: 'boom' });
    expect(failureEvent(Object.assign(new Error('boom'), { name: 'TrainingCancelledError' }))).toEqual({ type: 'failed', error: 'boom' });
    expect(failureEvent('weird')).toEqual({ type: 'failed', error: 'weird' });
  });
});
