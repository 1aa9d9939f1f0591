import { InvalidArgumentError, type Command } from 'commander';
import type { BackendName } from '@trainyard/contracts';
import { BENCH_MODELS, DEFAULT_BACKENDS, type BenchModel } from '../bench/bench-models';
import { DEFAULT_PYTHON } from '../bench/pytorch-throughput';
import { integer } from './spec-options';

const BENCH_BACKENDS: BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

function listOf<T extends string>(choices: readonly T[]) {
  return (value: string): T[] => {
    const items = value.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = items.filter((s) => !(choices as readonly string[]).includes(s));
    if (bad.length || !items.length) throw new InvalidArgumentError(`expected a comma-separated list of ${choices.join(', ')}`);
    return [...new Set(items)] as T[];
  };
}

function positive(value: string): number {
  const n = integer(value);
  if (n < 1) throw new InvalidArgumentError(`expected a whole number ≥ 1, got "${value}"`);
  return n;
}

/** "1,2" → [1, 2], ascending, so extra API instances start only after the runs without them. */
function instanceList(value: string): number[] {
  const items = value.split(',').map((s) => s.trim());
  if (!items.length || items.some((s) => s !== '1' && s !== '2')) throw new InvalidArgumentError('expected 1, 2 or 1,2');
  return [...new Set(items.map(Number))].sort((a, b) => a - b);
}

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

export function registerBenchCommand(program: Command): void {
  const bench = program.command('bench').description('throughput tables: training steps (TF.js vs PyTorch), and the queue and socket path');

  bench
    .command('training', { isDefault: true })
    .description('images/s of one training step of each course model, per TF.js backend, beside PyTorch measured in the same run')
    .option('--backend <list>', `TF.js backends, comma-separated: ${BENCH_BACKENDS.join(', ')} (default: every available one of ${DEFAULT_BACKENDS.join(', ')})`, listOf(BENCH_BACKENDS))
    .option('--models <list>', `models, comma-separated (default: ${BENCH_MODELS.join(',')})`, listOf(BENCH_MODELS))
    .option('--steps <n>', 'timed steps per model (median taken)', positive, 20)
    .option('--vgg-steps <n>', 'timed steps for vgg16, which is slow', positive, 3)
    .option('--warmup <n>', 'untimed steps first (vgg16: at most 1)', integer, 2)
    .option('--max-seconds <n>', 'stop timing a model after this long (at least 3 steps)', positive, 20)
    .option('--python <cmd>', 'the Python with torch', DEFAULT_PYTHON)
    .option('--torch-threads <n>', 'PyTorch threads', positive, 2)
    .option('--no-pytorch', 'TF.js only')
    .option('--json', 'one JSON object instead of the table')
    .action(
      async (flags: {
        backend?: BackendName[];
        models?: BenchModel[];
        steps: number;
        vggSteps: number;
        warmup: number;
        maxSeconds: number;
        python: string;
        torchThreads: number;
        pytorch: boolean;
        json?: boolean;
      }) => {
        // TF.js loads only for the commands that train (see main.ts).
        const { formatTrainingBench, runTrainingBench } = await import('../bench/training-bench');
        const result = await runTrainingBench(
          {
            backends: flags.backend,
            models: flags.models ?? BENCH_MODELS,
            steps: flags.steps,
            vggSteps: flags.vggSteps,
            warmup: Math.max(0, flags.warmup),
            maxSeconds: flags.maxSeconds,
            python: flags.pytorch ? flags.python : undefined,
            torchThreads: flags.torchThreads,
          },
          progress,
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
      let stop: (() => Promise<void>) | undefined;
      let interrupted = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (interrupted) return;
        interrupted = true;
        progress(`\n${signal}: stopping the worker, the API and Redis…`);
        void (stop?.() ?? Promise.resolve()).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const { experiments, watchers, rate, seconds, instances, ...rest } = flags;
        const result = await runQueueBench(
          { ...rest, warmup: Math.max(0, flags.warmup), class: { experiments, watchers, rate, seconds, instances } },
          progress,
          (s) => (stop = s),
        );
        process.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : `\n${formatQueueBench(result)}\n`);
        const f = result.fanout;
        // Loss fails the command; a missed latency goal is a figure, reported in the table.
        const classLost = result.classFanout.some((c) => c.delivered !== c.expected || c.loss.watchersIncomplete || c.loss.unexpected);
        if (f.delivered !== f.expected || f.loss.missing || f.loss.duplicatesOrOutOfOrder || classLost) process.exitCode = 1;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
