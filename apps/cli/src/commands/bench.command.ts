import * as os from 'node:os';
import type { Command } from 'commander';
import type { BackendName } from '@trainyard/contracts';
import { instanceList, listOf, MAX_QUEUE_ROUNDS, positive, queueRounds, threadCount } from '../bench/bench-args';
import { BENCH_MODELS, DEFAULT_BACKENDS, type BenchModel } from '../bench/bench-models';
import { DEFAULT_PYTHON } from '../bench/pytorch-throughput';
import { integer } from './spec-options';

const BENCH_BACKENDS: BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

interface QueueFlags {
  jobs: number;
  warmup: number;
  sockets: number;
  events: number;
  inFlight: number;
  experiments: number;
  watchers: number;
  rate: number;
  seconds: number;
  instances: number[];
  json?: boolean;
}

const progress = (line: string) => void process.stderr.write(`${line}\n`);

/**
 * Runs `body` with Ctrl-C / SIGTERM stopping what it started (the `stop` it registers through
 * `onStop`: a private Redis, API and worker) before the process exits 130 / 143.
 */
async function stoppingOnSignal<T>(body: (onStop: (stop: () => Promise<void>) => void) => Promise<T>): Promise<T> {
  let stop: (() => Promise<void>) | undefined;
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    progress(`\n${signal}: stopping what the bench started…`);
    void (stop?.() ?? Promise.resolve()).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await body((s) => (stop = s));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function registerBenchCommand(program: Command): void {
  const bench = program.command('bench').description('throughput tables: training steps (TF.js vs PyTorch), and the queue and socket path');

  const cores = os.availableParallelism();
  bench
    .command('training', { isDefault: true })
    .description(
      'each course model: TF.js with 1 thread and with every thread beside PyTorch in the same run, TF.js ÷ PyTorch against the goals, where a step spends its time, and the queue overhead',
    )
    .option('--backend <list>', `TF.js backends, comma-separated: ${BENCH_BACKENDS.join(', ')} (default: every available one of ${DEFAULT_BACKENDS.join(', ')}); the first that runs gets the trainExperiment, profile and queue figures`, listOf(BENCH_BACKENDS))
    .option('--models <list>', `models, comma-separated (default: ${BENCH_MODELS.join(',')})`, listOf(BENCH_MODELS))
    .option('--steps <n>', 'timed steps per model (median taken)', positive, 20)
    .option('--vgg-steps <n>', 'timed steps for vgg16, which is slow', positive, 3)
    .option('--warmup <n>', 'untimed steps first (vgg16: at most 1)', integer, 2)
    .option('--max-seconds <n>', 'stop timing a model after this long (at least 3 steps)', positive, 20)
    .option('--threads <n>', `the "all threads" count for TF.js and PyTorch: 1..${cores} or all`, threadCount(cores), cores)
    .option('--train-seconds <n>', 'size each trainExperiment run to train about this long with every thread (at least 6 batches)', positive, 10)
    .option('--no-profile', 'skip the forward/backward/optimizer/data breakdown')
    .option('--python <cmd>', 'the Python with torch', DEFAULT_PYTHON)
    .option('--no-pytorch', 'TF.js only')
    .option('--queue-seconds <n>', 'queue overhead: about how long each of its cnn runs trains', positive, 20)
    .option('--queue-rounds <n>', `queue overhead: bare/queued pairs, alternating which runs first; the figure is their median (1..${MAX_QUEUE_ROUNDS})`, queueRounds, 4)
    .option('--no-queue-overhead', 'skip the queue-overhead run (it starts a private Redis, API and worker)')
    .option('--json', 'one JSON object instead of the tables')
    .action(
      async (flags: {
        backend?: BackendName[];
        models?: BenchModel[];
        steps: number;
        vggSteps: number;
        warmup: number;
        maxSeconds: number;
        threads: number;
        trainSeconds: number;
        profile: boolean;
        python: string;
        pytorch: boolean;
        queueSeconds: number;
        queueRounds: number;
        queueOverhead: boolean;
        json?: boolean;
      }) => {
        // TF.js loads only for the commands that train (see main.ts).
        const { formatTrainingBench, runTrainingBench } = await import('../bench/training-bench');
        const result = await stoppingOnSignal((onStop) =>
          runTrainingBench(
            {
              backends: flags.backend,
              models: flags.models ?? BENCH_MODELS,
              steps: flags.steps,
              vggSteps: flags.vggSteps,
              warmup: Math.max(0, flags.warmup),
              maxSeconds: flags.maxSeconds,
              threads: flags.threads,
              trainSeconds: flags.trainSeconds,
              profile: flags.profile,
              python: flags.pytorch ? flags.python : undefined,
              queueOverhead: flags.queueOverhead ? { seconds: flags.queueSeconds, rounds: flags.queueRounds } : undefined,
            },
            progress,
            onStop,
          ),
        );
        process.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : `\n${formatTrainingBench(result)}\n`);
      },
    );

  bench
    .command('queue')
    .description("starts its own Redis, API and worker: submit → started latency, a burst of events to many sockets, and the class's paced fan-out on one and two APIs")
    .option('--jobs <n>', 'tiny jobs submitted one after another', positive, 50)
    .option('--warmup <n>', 'jobs run first and not counted', integer, 1)
    .option('--sockets <n>', 'socket.io clients subscribed to one experiment', positive, 100)
    .option('--events <n>', 'progress events appended for them', positive, 2000)
    .option('--in-flight <n>', 'appendEvent calls kept in flight (1: each awaited before the next, as a worker does)', positive, 32)
    .option('--experiments <n>', "class case: runs appending progress events at once (the issue's class: 50)", positive, 50)
    .option('--watchers <n>', 'class case: student sockets on each run; one TA socket watching every run comes on top', positive, 10)
    .option('--rate <n>', 'class case: progress events per second per run, paced (a worker sends at most 4)', positive, 4)
    .option('--seconds <n>', 'class case: seconds of steady load per API configuration', positive, 25)
    .option('--instances <list>', 'class case: API instance counts to run it with, comma-separated (1 and/or 2)', instanceList, [1, 2])
    .option('--json', 'one JSON object instead of the tables')
    .action(async (flags: QueueFlags) => {
      const { formatQueueBench, runQueueBench } = await import('../bench/queue-bench');
      const { experiments, watchers, rate, seconds, instances, ...rest } = flags;
      const result = await stoppingOnSignal((onStop) =>
        runQueueBench({ ...rest, warmup: Math.max(0, flags.warmup), class: { experiments, watchers, rate, seconds, instances } }, progress, onStop),
      );
      process.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : `\n${formatQueueBench(result)}\n`);
      const f = result.fanout;
      // Loss fails the command; a missed latency goal is a figure, reported in the table.
      const classLost = result.classFanout.some((c) => c.delivered !== c.expected || c.loss.watchersIncomplete || c.loss.unexpected);
      if (f.delivered !== f.expected || f.loss.missing || f.loss.duplicatesOrOutOfOrder || classLost) process.exitCode = 1;
    });
}
