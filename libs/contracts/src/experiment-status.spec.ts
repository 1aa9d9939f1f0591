import { EXPERIMENT_EVENT_TYPES, EXPERIMENT_STATUSES, applyEvent } from './experiment-status';
import { isTerminal } from './experiment-record';

describe('applyEvent', () => {
  it('sets the status an event type names, and leaves it for the others', () => {
    expect(applyEvent('queued', { type: 'started' })).toBe('running');
    expect(applyEvent('running', { type: 'queued' })).toBe('queued');
    expect(applyEvent('running', { type: 'progress' })).toBe('running');
    expect(applyEvent('running', { type: 'epoch' })).toBe('running');
    expect(applyEvent('running', { type: 'resumed' })).toBe('running');
    expect(applyEvent('running', { type: 'completed' })).toBe('completed');
    expect(applyEvent('queued', { type: 'cancelled' })).toBe('cancelled');
    expect(applyEvent('running', { type: 'failed' })).toBe('failed');
  });

  it('never moves a finished run, whatever follows', () => {
    for (const status of EXPERIMENT_STATUSES.filter((s) => isTerminal(s))) {
      for (const type of EXPERIMENT_EVENT_TYPES) expect(applyEvent(status, { type })).toBe(status);
    }
  });

  it('leaves "nothing folded yet" alone until an event sets a status', () => {
    expect(applyEvent(undefined, { type: 'progress' })).toBeUndefined();
    expect(applyEvent(undefined, { type: 'cancelled' })).toBe('cancelled');
  });
});
