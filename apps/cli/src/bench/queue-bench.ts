import { describeMachine, machineInfo, type MachineInfo } from './machine-info';
import { formatRate, markdownTable } from './markdown-table';
import type { LatencySummary } from './percentiles';
import { startQueueStack } from './queue-stack';
import { measureFanout, type FanoutResult } from './socket-fanout';
import { measureSubmitLatency, TINY_JOB, type SubmitLatencyResult } from './submit-latency';

export interface QueueBenchOptions {
  jobs: number;
  warmup: number;
  sockets: number;
  events: number;
  inFlight: number;
}

export interface QueueBenchResult {
  before: MachineInfo;
  loadavgAfter: number[];
  latency: SubmitLatencyResult;
  fanout: FanoutResult;
}

/**
 * Starts its own Redis, API and worker, measures submit → started latency and socket fan-out,
 * and stops everything. `onStop` gets the clean-up as soon as there is one, for Ctrl-C.
 */
export async function runQueueBench(
  opts: QueueBenchOptions,
  progress: (line: string) => void,
  onStop: (stop: () => Promise<void>) => void,
): Promise<QueueBenchResult> {
  const before = machineInfo();
  progress(`machine: ${describeMachine(before)}`);
  const stack = await startQueueStack(progress, onStop);
  try {
    progress(`latency: ${opts.warmup} warm-up + ${opts.jobs} jobs, one at a time (${JSON.stringify(TINY_JOB)})`);
    const latency = await measureSubmitLatency(stack.url, stack.student.token, { jobs: opts.jobs, warmup: opts.warmup }, progress);
    const fanout = await measureFanout(stack, { sockets: opts.sockets, events: opts.events, inFlight: opts.inFlight }, progress);
    return { before, loadavgAfter: machineInfo().loadavg, latency, fanout };
  } finally {
    progress('stopping the worker, the API and Redis');
    await stack.stop();
  }
}

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '-');
const latencyRow = (label: string, s: LatencySummary) => [label, String(s.n), ms(s.median), ms(s.p90), ms(s.p99), ms(s.max)];

export function formatQueueBench(r: QueueBenchResult): string {
  const l = r.latency;
  const f = r.fanout;
  const latencyTable = markdownTable(
    ['submit → (ms)', 'jobs', 'median', 'p90', 'p99', 'max'],
    [
      latencyRow('POST answered', l.postMs),
      latencyRow('`started` at the client', l.startedMs),
      latencyRow('`started` stamped by the worker', l.startedStampMs),
      latencyRow('`completed` at the client', l.completedMs),
    ],
    ['left', 'right', 'right', 'right', 'right', 'right'],
  );
  const lossy = f.loss.missing + f.loss.duplicatesOrOutOfOrder > 0 || f.delivered !== f.expected;
  const fanoutTable = markdownTable(
    ['sockets', 'events', 'deliveries', 'seconds', 'deliveries/s', 'appends/s', 'delivery latency median / p99 (ms)', 'loss'],
    [
      [
        String(f.sockets),
        String(f.events),
        `${f.delivered.toLocaleString('en-US')}/${f.expected.toLocaleString('en-US')}`,
        f.seconds.toFixed(2),
        formatRate(f.deliveriesPerSec),
        formatRate(f.appendsPerSec),
        `${ms(f.latencyMs.median)} / ${ms(f.latencyMs.p99)}`,
        lossy
          ? `${f.loss.socketsIncomplete} sockets incomplete: ${f.loss.missing} missing, ${f.loss.duplicatesOrOutOfOrder} out of order, ${f.loss.disconnected} disconnected`
          : 'none (every socket got seq 1..M in order)',
      ],
    ],
    ['right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
  );
  const cold = l.cold.map((c) => `${ms(c.startedMs)} ms to started, ${ms(c.completedMs)} ms to completed`).join('; ');
  return [
    `Submit → started, one tiny job at a time on an idle worker (${l.startedInHistory} of ${l.jobs} \`started\` events came in the subscribe ack's history):`,
    '',
    latencyTable,
    '',
    ...(cold ? [`- warm-up job, not counted: ${cold}`] : []),
    '',
    `Fan-out of one experiment's events to ${f.sockets} socket.io clients (appended through ExperimentStore.appendEvent, ${f.inFlight} in flight):`,
    '',
    fanoutTable,
    '',
    `- machine: ${describeMachine(r.before)}; load average after: ${r.loadavgAfter.join(' ')}`,
    '- the API, the worker, Redis and this process (the clients) share the machine\'s cores',
  ].join('\n');
}
