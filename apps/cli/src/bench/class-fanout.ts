import { presetSpec, type ExperimentEvent } from '@trainyard/contracts';
import { createPublishingStore } from '@trainyard/experiment-store';
import { createRedisClient } from '@trainyard/redis';
import { connectSockets, waitForDeliveries, type BenchSocket } from './bench-socket';

/** The goal (issue 9, item 6): every event reaches every watcher within this, at p99. */
export const CLASS_FANOUT_GOAL_P99_MS = 100;

export interface ClassFanoutOptions {
  /** Experiments running at once (the class: 50). */
  experiments: number;
  /** Student sockets subscribed to each experiment (the class: 10). The TA page comes on top. */
  watchers: number;
  /** `progress` events per second per experiment, paced (the class: 4, the worker's cap). */
  rate: number;
  /** Seconds of steady load. */
  seconds: number;
}

export interface ClassLatencySummary {
  n: number;
  median: number;
  p95: number;
  p99: number;
  max: number;
}

export interface ClassFanoutResult {
  /** API instances the watchers were spread over (round-robin; the TA page on the first). */
  instances: number;
  experiments: number;
  watchersPerExperiment: number;
  /** One socket subscribed to every experiment, as the dashboard's ExperimentFeed does. */
  taSockets: number;
  /** experiments × watchers + taSockets. */
  sockets: number;
  rate: number;
  /** First append → last append (s). */
  seconds: number;
  events: number;
  /** Σ over events of the sockets subscribed to its experiment: events × (watchers + 1). */
  expected: number;
  delivered: number;
  /** Appends per second achieved over `seconds`. */
  eventsPerSec: number;
  /** Deliveries per second over first append → last delivery. */
  deliveriesPerSec: number;
  /** Appends that started more than one period (1000 / rate ms) after their scheduled time. */
  lateAppends: number;
  /** appendEvent called → the event reaching one watcher, over every delivery (ms). */
  latencyMs: ClassLatencySummary;
  goalP99Ms: number;
  goalMet: boolean;
  loss: {
    /** (socket, experiment) pairs that did not get exactly seq 1..N of that experiment once, in order. */
    watchersIncomplete: number;
    missing: number;
    duplicatesOrOutOfOrder: number;
    /** Events of an experiment the socket had not subscribed to. */
    unexpected: number;
    disconnected: number;
  };
}

export interface ClassFanoutStack {
  /** One URL per API instance; all behind the same Redis (the socket.io Redis adapter). */
  urls: string[];
  redisUrl: string;
  prefix: string;
  student: { name: string; token: string };
  ta: { name: string; token: string };
}

/**
 * Per (socket, experiment) arrival order: each pair must see seq 1..N of its experiment exactly
 * once, in order (the store assigns seq per experiment, and one emitter connection publishes in
 * append order, so in-order is what the path promises).
 */
export class DeliveryTally {
  private readonly next = new Map<string, number>();
  private readonly got = new Map<string, number>();
  missing = 0;
  duplicatesOrOutOfOrder = 0;
  unexpected = 0;

  /** `watch` before any event can arrive for the pair. */
  watch(socket: number, experiment: string) {
    this.next.set(`${socket} ${experiment}`, 1);
    this.got.set(`${socket} ${experiment}`, 0);
  }

  receive(socket: number, experiment: string, seq: number) {
    const key = `${socket} ${experiment}`;
    const next = this.next.get(key);
    if (next === undefined) {
      this.unexpected++;
      return;
    }
    this.got.set(key, this.got.get(key)! + 1);
    if (seq === next) this.next.set(key, next + 1);
    else if (seq > next) {
      this.missing += seq - next;
      this.next.set(key, seq + 1);
    } else this.duplicatesOrOutOfOrder++;
  }

  /**
   * Closes the count against what was appended (experiment id → last seq); returns the pairs that
   * did not get every event exactly once. Adds the never-delivered tails to `missing`.
   */
  finish(lastSeq: ReadonlyMap<string, number>): number {
    let incomplete = 0;
    for (const [key, next] of this.next) {
      const n = lastSeq.get(key.slice(key.indexOf(' ') + 1)) ?? 0;
      const tail = Math.max(0, n - (next - 1));
      this.missing += tail;
      if (tail > 0 || this.got.get(key) !== n) incomplete++;
    }
    return incomplete;
  }
}

/** Percentiles as percentile() computes them (linear between closest ranks), sorting once: 10^5 values. */
function summarizeLatency(values: number[]): ClassLatencySummary {
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => {
    if (!sorted.length) return NaN;
    const rank = (p / 100) * (sorted.length - 1);
    const lo = Math.floor(rank);
    return sorted[lo] + (sorted[Math.ceil(rank)] - sorted[lo]) * (rank - lo);
  };
  return { n: sorted.length, median: at(50), p95: at(95), p99: at(99), max: sorted.length ? sorted[sorted.length - 1] : NaN };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

/**
 * The class's case (issue 9, item 6): `experiments` runs each append `rate` progress events a
 * second, paced and phase-shifted as independent workers would be, each append awaited before
 * the next of its run (a worker's pace), through the worker's own path (ExperimentStore.appendEvent:
 * Lua append, then the redis-emitter publish). `watchers` student sockets subscribe to each run,
 * spread round-robin over `stack.urls`, and one TA socket (on the first URL) subscribes to all of
 * them. Latency is appendEvent called → `experiment:event` received, on this process's clock.
 */
export async function measureClassFanout(
  stack: ClassFanoutStack,
  opts: ClassFanoutOptions,
  progress: (line: string) => void,
): Promise<ClassFanoutResult> {
  const label = `class fan-out (${stack.urls.length} API${stack.urls.length > 1 ? 's' : ''})`;
  const redis = createRedisClient(stack.redisUrl, { name: 'trainyard-bench-class-store' });
  const store = createPublishingStore(redis, { prefix: stack.prefix, onPublishError: (err) => progress(`publish failed: ${err.message}`) });
  const students: BenchSocket[] = [];
  const ta: BenchSocket[] = [];
  try {
    // Created in the store, not through the API: no job is enqueued, so no worker appends to them.
    const ids: string[] = [];
    for (let e = 0; e < opts.experiments; e++) {
      const record = await store.create({ owner: stack.student.name, spec: presetSpec('mnist-fc', { dataset: 'synthetic', name: `bench-class-${e}` }) });
      ids.push(record.id);
    }
    await connectSockets(stack.urls, stack.student.token, opts.experiments * opts.watchers, students);
    await connectSockets(stack.urls.slice(0, 1), stack.ta.token, 1, ta);
    const sockets = [...students, ...ta];
    progress(`${label}: ${sockets.length} sockets connected`);

    const perExperiment = Math.ceil(opts.rate * opts.seconds);
    const publishedAt = new Map(ids.map((id) => [id, new Float64Array(perExperiment + 1)]));
    const tally = new DeliveryTally();
    const latencies: number[] = [];
    const disconnected = new Set<number>();
    let delivered = 0;
    let lastDelivery = 0;
    const expected = opts.experiments * perExperiment * (opts.watchers + 1);
    let allIn!: () => void;
    const complete = new Promise<void>((resolve) => (allIn = resolve));
    sockets.forEach((socket, s) => {
      socket.on('experiment:event', (event: ExperimentEvent) => {
        const now = performance.now();
        delivered++;
        lastDelivery = now;
        tally.receive(s, event.id, event.seq);
        const t = publishedAt.get(event.id)?.[event.seq];
        if (t) latencies.push(now - t);
        if (delivered === expected) allIn();
      });
      socket.on('disconnect', () => disconnected.add(s));
    });

    // Student socket w watches experiment floor(w / watchers); the TA's watches them all.
    const subscriptions: Promise<void>[] = [];
    const subscribe = (s: number, id: string) => {
      tally.watch(s, id);
      subscriptions.push(
        sockets[s]
          .timeout(30_000)
          .emitWithAck('subscribe', { id })
          .then((ack) => {
            if (!ack.ok || (ack.history?.length ?? 0) > 0) throw new Error(`subscribe ${id} refused or not empty: ${JSON.stringify(ack)}`);
          }),
      );
    };
    students.forEach((_, s) => subscribe(s, ids[Math.floor(s / opts.watchers)]));
    for (const id of ids) subscribe(students.length, id);
    await Promise.all(subscriptions);
    progress(`${label}: ${subscriptions.length} subscriptions; ${opts.experiments} runs × ${opts.rate} events/s for ${opts.seconds} s`);

    const period = 1000 / opts.rate;
    const t0 = performance.now() + 50;
    let appended = 0;
    let lateAppends = 0;
    const ticker = setInterval(() => {
      const sorted = latencies.slice(-20_000).sort((a, b) => a - b);
      const p99 = sorted.length ? sorted[Math.floor(0.99 * (sorted.length - 1))].toFixed(1) : '-';
      progress(`${label}: ${((performance.now() - t0) / 1000).toFixed(0)}/${opts.seconds} s, ${appended} events, ${delivered} deliveries, recent p99 ${p99} ms`);
    }, 5000);
    try {
      await Promise.all(
        ids.map(async (id, e) => {
          const times = publishedAt.get(id)!;
          // Spread the runs over one period: workers do not tick in step.
          const phase = (e * period) / opts.experiments;
          for (let seq = 1; seq <= perExperiment; seq++) {
            const due = t0 + phase + (seq - 1) * period;
            await sleep(due - performance.now());
            const start = performance.now();
            if (start - due > period) lateAppends++;
            times[seq] = start;
            const event = await store.appendEvent(id, {
              type: 'progress',
              epoch: 1,
              epochs: 1,
              batch: seq,
              batches: perExperiment,
              loss: 2.3,
              batchAccuracy: 0.1,
              runningAccuracy: 0.1,
              samplesPerSec: 0,
            });
            if (event?.seq !== seq) throw new Error(`append ${seq} to ${id} got seq ${event?.seq ?? 'none (record finished?)'}`);
            appended++;
          }
        }),
      );
    } finally {
      clearInterval(ticker);
    }
    const lastAppend = performance.now();
    progress(`${label}: ${appended} events appended in ${((lastAppend - t0) / 1000).toFixed(1)} s; waiting for deliveries`);

    // Done when every watcher has every event, or when nothing has arrived for 10 s.
    await waitForDeliveries(complete, () => Math.max(lastDelivery, lastAppend), 10_000);
    const watchersIncomplete = tally.finish(new Map(ids.map((id) => [id, perExperiment])));
    const latencyMs = summarizeLatency(latencies);
    const seconds = (lastAppend - t0) / 1000;
    return {
      instances: stack.urls.length,
      experiments: opts.experiments,
      watchersPerExperiment: opts.watchers,
      taSockets: ta.length,
      sockets: sockets.length,
      rate: opts.rate,
      seconds,
      events: appended,
      expected,
      delivered,
      eventsPerSec: appended / seconds,
      deliveriesPerSec: delivered / ((lastDelivery - t0) / 1000),
      lateAppends,
      latencyMs,
      goalP99Ms: CLASS_FANOUT_GOAL_P99_MS,
      goalMet: latencyMs.p99 <= CLASS_FANOUT_GOAL_P99_MS && delivered === expected && watchersIncomplete === 0,
      loss: {
        watchersIncomplete,
        missing: tally.missing,
        duplicatesOrOutOfOrder: tally.duplicatesOrOutOfOrder,
        unexpected: tally.unexpected,
        disconnected: disconnected.size,
      },
    };
  } finally {
    for (const s of [...students, ...ta]) s.close();
    await redis.quit().catch(() => redis.disconnect());
  }
}
