import type { ExperimentEvent } from './experiment-events';

// Shared by every client that follows a run over socket.io (the CLI, the dashboard): browser-safe.

/**
 * One experiment's events in seq order, fed from the subscribe ack's history and from live
 * events in any order and any number of times: an event already held is dropped, and an event
 * past a gap is refused (the caller re-subscribes, and the history fills the gap).
 */
export class EventLog {
  private readonly list: ExperimentEvent[] = [];

  get events(): readonly ExperimentEvent[] {
    return this.list;
  }

  get lastSeq(): number {
    return this.list.at(-1)?.seq ?? 0;
  }

  /** Appends what follows lastSeq; `gap` is true when some event could not be placed. */
  add(events: readonly ExperimentEvent[]): { added: number; gap: boolean } {
    let added = 0;
    const sorted = [...events].sort((a, b) => a.seq - b.seq);
    for (const event of sorted) {
      if (event.seq <= this.lastSeq) continue;
      if (event.seq !== this.lastSeq + 1) return { added, gap: true };
      this.list.push(event);
      added++;
    }
    return { added, gap: false };
  }
}
