import { randomUUID } from 'node:crypto';
import type { ExperimentEventType } from './experiment-events';
import { EXPERIMENT_ID_SOURCE, isExperimentId, isTerminal, shortId, TERMINAL_STATUSES, WHOLE_EXPERIMENT_ID, type ExperimentStatus } from './experiment-record';

const STATUSES: ExperimentStatus[] = ['queued', 'running', 'completed', 'failed', 'cancelled'];
const EVENT_TYPES: ExperimentEventType[] = ['queued', 'started', 'resumed', 'progress', 'epoch', 'completed', 'failed', 'cancelled'];

describe('terminal', () => {
  it('is completed, failed and cancelled, for statuses and event types alike', () => {
    expect(STATUSES.filter(isTerminal)).toEqual(['completed', 'failed', 'cancelled']);
    expect(EVENT_TYPES.filter(isTerminal)).toEqual(['completed', 'failed', 'cancelled']);
  });

  it('has one set that agrees with isTerminal', () => {
    expect(STATUSES.filter((s) => TERMINAL_STATUSES.has(s))).toEqual(STATUSES.filter(isTerminal));
  });
});

describe('experiment ids', () => {
  it('accepts what the store makes and refuses what could leave a key or a path', () => {
    const id = randomUUID();
    expect(isExperimentId(id)).toBe(true);
    expect(isExperimentId('x'.repeat(64))).toBe(true);
    for (const bad of ['', 'x'.repeat(65), '../etc', 'a/b', 'a b', 'a:b', 'é', 42, null, undefined]) expect(isExperimentId(bad)).toBe(false);
  });

  it('knows a whole id (any case) from a prefix, and every whole id is a valid id', () => {
    const id = randomUUID();
    expect(WHOLE_EXPERIMENT_ID.test(id)).toBe(true);
    expect(WHOLE_EXPERIMENT_ID.test(id.toUpperCase())).toBe(true);
    expect(WHOLE_EXPERIMENT_ID.test(shortId(id))).toBe(false);
    expect(WHOLE_EXPERIMENT_ID.test(`${id}0`)).toBe(false);
    expect(WHOLE_EXPERIMENT_ID.test(`0${id}`)).toBe(false);
    expect(isExperimentId(id.toUpperCase())).toBe(true);
  });

  it('embeds in a larger pattern as the same rule', () => {
    const path = new RegExp(`^/runs/(${EXPERIMENT_ID_SOURCE})$`);
    const id = randomUUID();
    expect(path.exec(`/runs/${id}`)?.[1]).toBe(id);
    expect(path.test('/runs/a/b')).toBe(false);
  });

  it('shows the first 8 characters as the short id', () => {
    expect(shortId('0b6f4c1e-1111-4222-8333-444455556666')).toBe('0b6f4c1e');
  });
});
