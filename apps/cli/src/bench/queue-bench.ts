import { describeMachine, machineInfo, type MachineInfo } from './machine-info';
import { formatRate, markdownTable } from './markdown-table';
import type { LatencySummary } from './percentiles';
import { startQueueStack } from './queue-stack';
import { CLASS_FANOUT_GOAL_P99_MS, measureClassFanout, type ClassFanoutOptions, type ClassFanoutResult } from './class-fanout';
import { measureFanout, type FanoutResult } from './socket-fanout';
import { measureSubmitLatency, TINY_JOB, type SubmitLatencyResult } from './submit-latency';

export interface QueueBenchOptions {
  jobs: number;
  warmup: number;
  sockets: number;
  events: number;
  inFlight: number;
  /** The class's paced case; `instances`: the API counts to run it with (1, 2 or both), in order. */
  class: ClassFanoutOptions & { instances: number[] };
}

export interface QueueBenchResult {
  before: MachineInfo;
  loadavgAfter: number[];
  latency: SubmitLatencyResult;
  /** The burst: a stress line, not a class's load. */
  fanout: FanoutResult;
  /** One per entry of `class.instances`. */
  classFanout: ClassFanoutResult[];
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
    const classFanout: ClassFanoutResult[] = [];
    const urls = [stack.url];
    for (const instances of opts.class.instances) {
      // The extra APIs start only when first needed: an idle instance still receives every
      // published packet through its adapter, and would load the one-instance figure.
      while (urls.length < instances) urls.push((await stack.addApi(`api-${urls.length + 1}`)).url);
      classFanout.push(await measureClassFanout({ ...stack, urls: urls.slice(0, instances) }, opts.class, progress));
    }
    return { before, loadavgAfter: machineInfo().loadavg, latency, fanout, classFanout };
  } finally {
    progress('stopping the worker, the API and Redis');
    await stack.stop();
  }
}

function classLoss(c: ClassFanoutResult): string {
  const l = c.loss;
  if (c.delivered === c.expected && !l.watchersIncomplete && !l.unexpected) return 'none (every watcher got each event once, in order)';
  return `${l.watchersIncomplete} watchers incomplete: ${l.missing} missing, ${l.duplicatesOrOutOfOrder} duplicate or out of order, ${l.unexpected} unasked-for, ${l.disconnected} disconnected`;
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
  const classTable = markdownTable(
    ['APIs', 'runs × watchers + TA', 'sockets', 'events/s', 'seconds', 'deliveries', 'deliveries/s', 'p50', 'p95', 'p99', 'max', `p99 ≤ ${CLASS_FANOUT_GOAL_P99_MS} ms`, 'loss'],
    r.classFanout.map((c) => [
      String(c.instances),
      `${c.experiments} × ${c.watchersPerExperiment} + ${c.taSockets}`,
      String(c.sockets),
      formatRate(c.eventsPerSec),
      c.seconds.toFixed(1),
      `${c.delivered.toLocaleString('en-US')}/${c.expected.toLocaleString('en-US')}`,
      formatRate(c.deliveriesPerSec),
      ms(c.latencyMs.median),
      ms(c.latencyMs.p95),
      ms(c.latencyMs.p99),
      ms(c.latencyMs.max),
      c.goalMet ? 'met' : 'NOT met',
      classLoss(c),
    ]),
    ['right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left', 'left'],
  );
  const late = r.classFanout.filter((c) => c.lateAppends > 0).map((c) => `${c.instances} API(s): ${c.lateAppends}`);
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
    '- a burst no class produces: a stress line, not the class\'s case (below)',
    '',
    ...(r.classFanout.length
      ? [
          `The class's case: runs appending paced \`progress\` events through ExperimentStore.appendEvent (each run ${r.classFanout[0].rate}/s, phase-shifted), watched by student sockets spread round-robin over the APIs and one TA socket subscribed to every run; delivery latency per event per watcher, appendEvent called → received (ms):`,
          '',
          classTable,
          '',
          ...(late.length ? [`- appends started more than one period late (the publisher fell behind its schedule): ${late.join('; ')}`] : []),
          '',
        ]
      : []),
    `- machine: ${describeMachine(r.before)}; load average after: ${r.loadavgAfter.join(' ')}`,
    '- the API, the worker, Redis and this process (the clients) share the machine\'s cores',
  ].join('\n');
}
