import { Queue } from 'bullmq';
import { resolveExperimentRequest, type ExperimentEvent } from '@trainyard/contracts';
import { ExperimentStore, type ExperimentRecord, type ExperimentStatus } from '@trainyard/experiment-store';
import { TrainingQueue, type TrainJobData } from '@trainyard/training-queue';

/** What the API does on POST /api/experiments: record, `queued`, then enqueue (so `queued` comes first). */
export async function submitExperiment(
  queue: Queue<TrainJobData>,
  store: ExperimentStore,
  request: Record<string, unknown>,
  owner = 'student1',
): Promise<ExperimentRecord> {
  const spec = resolveExperimentRequest(request);
  const record = await store.create({ owner, spec });
  await store.appendEvent(record.id, { type: 'queued', position: (await queue.getWaitingCount()) + 1 });
  await new TrainingQueue(queue).enqueue([{ experimentId: record.id, owner }]);
  return record;
}

/** Polls the store (tests only; the product streams) until the history satisfies `done`. */
export async function waitForEvents(
  store: ExperimentStore,
  id: string,
  done: (events: ExperimentEvent[]) => boolean,
  timeoutMs = 60_000,
): Promise<ExperimentEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await store.events(id);
    if (done(events)) return events;
    if (Date.now() > deadline) {
      throw new Error(`experiment ${id}: condition not met in ${timeoutMs} ms; events so far: ${events.map((e) => e.type).join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const waitForStatus = (store: ExperimentStore, id: string, status: ExperimentStatus, timeoutMs?: number) =>
  waitForEvents(store, id, (events) => events.some((e) => e.type === status), timeoutMs);

export const hasEvent = (type: ExperimentEvent['type'], extra: (e: ExperimentEvent) => boolean = () => true) => (events: ExperimentEvent[]) =>
  events.some((e) => e.type === type && extra(e));

/** The seq of the i-th event is i + 1: no gap, no repeat. */
export const seqs = (events: readonly ExperimentEvent[]) => events.map((e) => e.seq);
export const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
