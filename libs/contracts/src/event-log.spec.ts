import { EventLog } from './event-log';
import type { ExperimentEvent } from './experiment-events';

const ev = (seq: number): ExperimentEvent => ({ id: 'x', seq, at: '2026-01-01T00:00:00Z', type: 'queued', position: seq });
const seqs = (log: EventLog) => log.events.map((e) => e.seq);

describe('EventLog', () => {
  it('takes history then live events, dropping live ones the history already held', () => {
    const log = new EventLog();
    expect(log.add([ev(1), ev(2), ev(3)])).toEqual({ added: 3, gap: false });
    expect(log.add([ev(3), ev(2), ev(4)])).toEqual({ added: 1, gap: false });
    expect(seqs(log)).toEqual([1, 2, 3, 4]);
  });

  it('orders a batch by seq before merging', () => {
    const log = new EventLog();
    log.add([ev(2), ev(1), ev(3)]);
    expect(seqs(log)).toEqual([1, 2, 3]);
  });

  it('refuses an event past a gap and reports it, keeping what came before', () => {
    const log = new EventLog();
    log.add([ev(1)]);
    expect(log.add([ev(2), ev(4)])).toEqual({ added: 1, gap: true });
    expect(seqs(log)).toEqual([1, 2]);
    // The re-subscribe's history fills the gap; nothing is repeated.
    expect(log.add([ev(1), ev(2), ev(3), ev(4), ev(5)])).toEqual({ added: 3, gap: false });
    expect(seqs(log)).toEqual([1, 2, 3, 4, 5]);
  });

  it('a history after a reconnect continues the log with no gap and no duplicate', () => {
    const log = new EventLog();
    log.add([ev(1), ev(2), ev(3)]);
    log.add([ev(1), ev(2), ev(3), ev(4), ev(5), ev(6)]);
    log.add([ev(6), ev(7)]);
    expect(seqs(log)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(log.lastSeq).toBe(7);
  });
});
