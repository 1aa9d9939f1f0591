import type { ExperimentEvent, SubscribeAck } from '@trainyard/contracts';
import { isTerminal } from '@trainyard/contracts';
import { ApiClient } from '../api/api-client';
import { connectSocket } from './bench-socket';
import { summarize, type LatencySummary } from './percentiles';

/** The smallest real job: one epoch of FC2Layer over 64 generated samples. */
export const TINY_JOB = { preset: 'mnist-fc', dataset: 'synthetic', limit: 64, testLimit: 32, epochs: 1 } as const;

export interface SubmitLatencyResult {
  jobs: number;
  /** The warm-up jobs, not in the summaries: the worker's first job also warms TF.js up. */
  cold: { startedMs: number; completedMs: number }[];
  /** POST /api/experiments round trip. */
  postMs: LatencySummary;
  /** Just before the POST → the `started` event reaching the client (live, or in the subscribe ack's history). */
  startedMs: LatencySummary;
  /** Just before the POST → the `at` the worker stamped on `started` (same machine, same clock). */
  startedStampMs: LatencySummary;
  /** How many `started` events came in the ack's history rather than live. */
  startedInHistory: number;
  /** Just before the POST → `completed` reaching the client. */
  completedMs: LatencySummary;
}

interface Arrivals {
  first: Map<string, { at: number; event: ExperimentEvent }>;
  terminal?: () => void;
}

/**
 * Submits tiny jobs one after another to an idle worker, each after the previous one completed,
 * and times each from just before its POST to its `started` event on a socket that subscribes
 * right after the POST returns.
 */
export async function measureSubmitLatency(
  url: string,
  token: string,
  opts: { jobs: number; warmup: number; jobTimeoutMs?: number },
  progress: (line: string) => void,
): Promise<SubmitLatencyResult> {
  const client = new ApiClient(url, token);
  const socket = await connectSocket(url, token);
  const byId = new Map<string, Arrivals>();
  const note = (event: ExperimentEvent, at: number) => {
    const a = byId.get(event.id);
    if (!a) return;
    // Keep the first arrival of each type: a live event can beat the ack that also holds it.
    if (!a.first.has(event.type)) a.first.set(event.type, { at, event });
    if (isTerminal(event.type)) a.terminal?.();
  };
  socket.on('experiment:event', (event) => note(event, performance.now()));
  socket.on('disconnect', (reason) => reason !== 'io client disconnect' && progress(`latency socket disconnected: ${reason}`));

  const post: number[] = [];
  const started: number[] = [];
  const stamped: number[] = [];
  const completed: number[] = [];
  const cold: SubmitLatencyResult['cold'] = [];
  let inHistory = 0;
  try {
    for (let i = 0; i < opts.warmup + opts.jobs; i++) {
      const wall0 = Date.now();
      const t0 = performance.now();
      const view = await client.submit({ ...TINY_JOB, name: `bench-latency-${i + 1}` });
      const tPost = performance.now();
      const arrivals: Arrivals = { first: new Map() };
      byId.set(view.id, arrivals);
      const done = new Promise<void>((resolve, reject) => {
        arrivals.terminal = resolve;
        setTimeout(() => reject(new Error(`job ${view.id} did not finish within ${(opts.jobTimeoutMs ?? 120_000) / 1000} s`)), opts.jobTimeoutMs ?? 120_000).unref();
      });
      // Awaited below; this only keeps a timeout during the subscribe from counting as unhandled.
      done.catch(() => {});
      const ack: SubscribeAck = await socket.timeout(15_000).emitWithAck('subscribe', { id: view.id });
      const tAck = performance.now();
      if (!ack.ok) throw new Error(`subscribe ${view.id} refused: ${ack.error}`);
      const historyStarted = ack.history?.some((e) => e.type === 'started') && !arrivals.first.has('started');
      for (const e of ack.history ?? []) note(e, tAck);
      if (historyStarted) inHistory++;
      await done;
      socket.emit('unsubscribe', { id: view.id });
      byId.delete(view.id);
      const end = [...arrivals.first.values()].find((a) => isTerminal(a.event.type))!;
      if (end.event.type !== 'completed') throw new Error(`job ${view.id} ended ${end.event.type}: ${JSON.stringify(end.event)}`);
      const s = arrivals.first.get('started');
      if (!s) throw new Error(`job ${view.id} completed without a started event`);
      if (i < opts.warmup) {
        cold.push({ startedMs: s.at - t0, completedMs: end.at - t0 });
        progress(`warm-up job: started after ${(s.at - t0).toFixed(1)} ms`);
        continue;
      }
      post.push(tPost - t0);
      started.push(s.at - t0);
      stamped.push(Date.parse(s.event.at) - wall0);
      completed.push(end.at - t0);
      const n = i - opts.warmup + 1;
      if (n % 10 === 0 || n === opts.jobs) progress(`latency: ${n}/${opts.jobs} jobs`);
    }
  } finally {
    socket.close();
  }
  return {
    jobs: opts.jobs,
    cold,
    postMs: summarize(post),
    startedMs: summarize(started),
    startedStampMs: summarize(stamped),
    startedInHistory: inHistory,
    completedMs: summarize(completed),
  };
}
