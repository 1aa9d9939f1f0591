import { presetSpec } from '@trainyard/contracts';
import { createPublishingStore } from '@trainyard/experiment-store';
import { createRedisClient } from '@trainyard/redis';
import { connectSockets, waitForDeliveries, type BenchSocket } from './bench-socket';
import { summarize, type LatencySummary } from './percentiles';

export interface FanoutResult {
  sockets: number;
  events: number;
  expected: number;
  delivered: number;
  /** First append → last delivery. */
  seconds: number;
  deliveriesPerSec: number;
  /** appendEvent calls kept in flight at once (1: each awaited before the next, the worker's pace). */
  inFlight: number;
  appendsPerSec: number;
  /** appendEvent called → the event reaching a socket, over every delivery (ms). */
  latencyMs: LatencySummary;
  loss: {
    /** Sockets that did not get exactly seq 1..M in order. */
    socketsIncomplete: number;
    missing: number;
    duplicatesOrOutOfOrder: number;
    disconnected: number;
  };
}

interface SocketTally {
  next: number;
  delivered: number;
  missing: number;
  backwards: number;
  disconnected: boolean;
}

/**
 * N sockets subscribed to one experiment, then M `progress` events appended as fast as possible
 * through the worker's own path (ExperimentStore.appendEvent: Lua append, then the redis-emitter
 * publish), counting every delivery and checking each socket saw seq 1..M in order.
 */
export async function measureFanout(
  stack: { url: string; redisUrl: string; prefix: string; student: { name: string; token: string } },
  opts: { sockets: number; events: number; inFlight: number; idleTimeoutMs?: number },
  progress: (line: string) => void,
): Promise<FanoutResult> {
  const redis = createRedisClient(stack.redisUrl, { name: 'trainyard-bench-store' });
  const store = createPublishingStore(redis, { prefix: stack.prefix, onPublishError: (err) => progress(`publish failed: ${err.message}`) });
  const sockets: BenchSocket[] = [];
  try {
    // Created in the store, not through the API: no job is enqueued, so the worker never appends to it.
    const record = await store.create({ owner: stack.student.name, spec: presetSpec('mnist-fc', { dataset: 'synthetic', name: 'bench-fanout' }) });
    const id = record.id;
    await connectSockets([stack.url], stack.student.token, opts.sockets, sockets);
    progress(`fan-out: ${sockets.length} sockets connected`);

    const appendStart = new Float64Array(opts.events + 1);
    const latencies: number[] = [];
    const tallies: SocketTally[] = sockets.map(() => ({ next: 1, delivered: 0, missing: 0, backwards: 0, disconnected: false }));
    let delivered = 0;
    let lastDelivery = 0;
    const expected = opts.sockets * opts.events;
    let allIn!: () => void;
    const complete = new Promise<void>((resolve) => (allIn = resolve));
    sockets.forEach((socket, i) => {
      const t = tallies[i];
      socket.on('experiment:event', (event) => {
        const now = performance.now();
        if (event.id !== id) return;
        t.delivered++;
        delivered++;
        lastDelivery = now;
        if (appendStart[event.seq]) latencies.push(now - appendStart[event.seq]);
        if (event.seq === t.next) t.next++;
        else if (event.seq > t.next) {
          t.missing += event.seq - t.next;
          t.next = event.seq + 1;
        } else t.backwards++;
        if (delivered === expected) allIn();
      });
      socket.on('disconnect', () => (t.disconnected = true));
    });
    const acks = await Promise.all(sockets.map((s) => s.timeout(15_000).emitWithAck('subscribe', { id })));
    const refused = acks.filter((a) => !a.ok || (a.history?.length ?? 0) > 0);
    if (refused.length) throw new Error(`${refused.length} subscriptions refused or not empty: ${JSON.stringify(refused[0])}`);
    progress(`fan-out: ${sockets.length} sockets subscribed; appending ${opts.events} progress events`);

    const t0 = performance.now();
    // Several appends in flight on the store's one connection: Redis runs them in the order sent,
    // so seq follows `batch`, and their publishes leave in that order too.
    let nextSeq = 1;
    const appender = async () => {
      while (nextSeq <= opts.events) {
        const seq = nextSeq++;
        appendStart[seq] = performance.now();
        const event = await store.appendEvent(id, {
          type: 'progress',
          epoch: 1,
          epochs: 1,
          batch: seq,
          batches: opts.events,
          loss: 2.3,
          batchAccuracy: 0.1,
          runningAccuracy: 0.1,
          samplesPerSec: 0,
        });
        if (event?.seq !== seq) throw new Error(`append ${seq} got seq ${event?.seq ?? 'none (record finished?)'}`);
      }
    };
    await Promise.all(Array.from({ length: opts.inFlight }, appender));
    const appendSeconds = (performance.now() - t0) / 1000;
    progress(`fan-out: ${opts.events} appended in ${appendSeconds.toFixed(2)} s; waiting for deliveries`);

    // Done when every socket has every event, or when nothing has arrived for a while.
    await waitForDeliveries(complete, () => Math.max(lastDelivery, t0 + appendSeconds * 1000), opts.idleTimeoutMs ?? 10_000);
    for (const t of tallies) t.missing += Math.max(0, opts.events - (t.next - 1));
    const seconds = (lastDelivery - t0) / 1000;
    return {
      sockets: sockets.length,
      events: opts.events,
      expected,
      delivered,
      seconds,
      deliveriesPerSec: delivered / seconds,
      inFlight: opts.inFlight,
      appendsPerSec: opts.events / appendSeconds,
      latencyMs: summarize(latencies),
      loss: {
        socketsIncomplete: tallies.filter((t) => t.missing > 0 || t.backwards > 0 || t.delivered !== opts.events).length,
        missing: tallies.reduce((s, t) => s + t.missing, 0),
        duplicatesOrOutOfOrder: tallies.reduce((s, t) => s + t.backwards, 0),
        disconnected: tallies.filter((t) => t.disconnected).length,
      },
    };
  } finally {
    for (const s of sockets) s.close();
    await redis.quit().catch(() => redis.disconnect());
  }
}
