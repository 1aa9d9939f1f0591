/**
 * Where one training step of a course model spends its time on the wasm backend (with Trainyard's
 * kernels): ms per step per kernel name, summed over the step and sorted, split into forward,
 * backward and optimizer, plus the time outside any kernel (engine bookkeeping, tape, JS). Not a
 * test: figures vary with the load of the shared machine, so compare runs taken back to back.
 *
 * The step is the bench's (apps/cli/src/bench/training-throughput.ts): one random batch reused,
 * softmax cross-entropy, SGD lr 0.01 momentum 0.5 (--optimizer=adam for the CIFAR presets' Adam).
 * Every wasm kernel is wrapped to time its calls: wasm kernels run synchronously, so a call's
 * time is its work. A kernel of ours that calls others through runWasmKernel counts them inside
 * its own time. Two clocks: wall time, and this process's CPU time (process.cpuUsage), which
 * holds steady when other processes share the cores (the wasm backend runs on one thread).
 *
 * Run from the repository root:
 *   npx tsc -p libs/training/bench && node libs/training/bench/dist/bench/training-step-profile.bench.js
 * Options: --models=cnn,cifar-cnn,vgg16  --steps=N (profiled steps, default 10; vgg16 uses N/5, at
 * least 2)  --optimizer=sgd|adam  --by=name|shape (shape: one row per kernel name and input shapes)
 *   --clock=cpu|wall (what the table sorts and sums, default cpu)  --top=N (rows per table,
 *   default 25)  --json (one JSON line per model instead of tables)
 *   --compare=Identity,Sum,… (also time unprofiled steps with wasm's own kernels for these
 *   names against Trainyard's, alternating blocks of steps in this process: what each saves)
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '@trainyard/contracts';
import { initBackend } from '../src/backend/backend-selection';
import { buildModel, nativeInputShape } from '../src/models';
import { crossEntropy } from '../src/trainer/loss';
import { createOptimizer } from '../src/trainer/optimizer.factory';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'] as const;
  }),
);

/** The bench's models and batch sizes (apps/cli/src/bench/bench-models.ts: the course's). */
const MODELS: Record<string, { spec: ModelSpec; batch: number }> = {
  fc2layer: { spec: { type: 'fc2layer', hidden: 8 }, batch: 64 },
  cnn: { spec: { type: 'cnn', features: 6, head: 'fc' }, batch: 64 },
  'cifar-cnn': { spec: { type: 'cifar-cnn' }, batch: 64 },
  vgg16: { spec: { type: 'vgg16', head: 'fc' }, batch: 128 },
};

/** Blocks of steps per side in --compare. */
const COMPARE_ROUNDS = 8;

/** Warm-up before any timing (at least 2 steps). */
const WARM_UP_MS = 4000;

type Phase = 'forward' | 'backward' | 'optimizer';
const PHASES: Phase[] = ['forward', 'backward', 'optimizer'];
type Clock = 'cpu' | 'wall';

interface Row {
  kernel: string;
  phase: Phase;
  calls: number;
  ms: Record<Clock, number>;
}

export interface StepProfile {
  model: string;
  batch: number;
  optimizer: string;
  clock: Clock;
  /** Median ms of an unwrapped step, by each clock. */
  stepMs: Record<Clock, number>;
  /** Mean ms of a profiled step (the wrappers' own cost shows as the difference). */
  profiledStepMs: Record<Clock, number>;
  phaseMs: Record<Phase, number>;
  kernelMs: number;
  rows: Row[];
  /** With --compare: median ms of a step with Trainyard's kernels and with wasm's own for those names. */
  comparison?: { kernels: string[]; oursMs: Record<Clock, number>; upstreamMs: Record<Clock, number> };
}

const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const clocks: Record<Clock, () => number> = { cpu: cpuNow, wall: () => performance.now() };

/** What the wrapped kernels record into while a profiled step runs. */
const recorder = {
  active: false,
  phase: 'forward' as Phase,
  byShape: false,
  depth: 0,
  rows: new Map<string, Row>(),
};

/** Wasm's own kernels, captured before Trainyard's replace them (see --compare). */
let upstreamKernels = new Map<string, tf.KernelConfig>();

/** Registers wasm's own kernel (true) or Trainyard's (false) for each name; returns the swap back. */
function useUpstream(names: string[]): () => void {
  const ours = names.map((name) => {
    const mine = tf.getKernel(name, 'wasm');
    const theirs = upstreamKernels.get(name);
    if (!mine || !theirs) throw new Error(`--compare: wasm has no own '${name}' kernel to compare with`);
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(theirs);
    return mine;
  });
  return () => {
    for (const mine of ours) {
      tf.unregisterKernel(mine.kernelName, 'wasm');
      tf.registerKernel(mine);
    }
  };
}

/** Wraps every registered wasm kernel (ours included) to time its outermost calls. */
function wrapWasmKernels(): void {
  for (const config of tf.getKernelsForBackend('wasm')) {
    const inner = config.kernelFunc;
    const timed: tf.KernelFunc = (kernelArgs) => {
      if (!recorder.active || recorder.depth > 0) return inner(kernelArgs);
      recorder.depth++;
      const cpu0 = cpuNow();
      const wall0 = performance.now();
      try {
        return inner(kernelArgs);
      } finally {
        const wall = performance.now() - wall0;
        const cpu = cpuNow() - cpu0;
        recorder.depth--;
        const shapes = Object.values(kernelArgs.inputs).map((t) => `[${(t as tf.TensorInfo | undefined)?.shape ?? ''}]`);
        const label = recorder.byShape ? `${config.kernelName} ${shapes.join(' ')}` : config.kernelName;
        const key = `${recorder.phase}\u0000${label}`;
        const row = recorder.rows.get(key) ?? { kernel: label, phase: recorder.phase, calls: 0, ms: { cpu: 0, wall: 0 } };
        row.calls++;
        row.ms.cpu += cpu;
        row.ms.wall += wall;
        recorder.rows.set(key, row);
      }
    };
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel({ ...config, kernelFunc: timed });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function medianOf(xs: Record<Clock, number>[], clock: Clock): number {
  return median(xs.map((x) => x[clock]));
}

async function profileModel(name: string, steps: number, optimizerType: 'sgd' | 'adam', clock: Clock, compare: string[]): Promise<StepProfile> {
  const { spec, batch } = MODELS[name];
  const shape = nativeInputShape(spec.type);
  const model = buildModel(spec, shape, 0);
  const optimizer = createOptimizer(optimizerType === 'adam' ? { type: 'adam', lr: 0.001 } : { type: 'sgd', lr: 0.01, momentum: 0.5 });
  const x = tf.randomNormal([batch, shape.height, shape.width, shape.channels], 0, 1, 'float32', 1);
  const y = tf.randomUniform([batch], 0, shape.numClasses, 'int32', 2) as tf.Tensor1D;
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  // The trainer's step (optimizer.minimize) split at the same places minimize splits it.
  const step = () => {
    const loss = tf.tidy(() => {
      recorder.phase = 'forward';
      const { value, grads } = optimizer.computeGradients(() => {
        const l = crossEntropy(model.apply(x, { training: true }) as tf.Tensor2D, y);
        recorder.phase = 'backward';
        return l;
      }, vars);
      recorder.phase = 'optimizer';
      optimizer.applyGradients(grads);
      return value;
    });
    loss.dataSync();
    loss.dispose();
  };
  const timed = (): Record<Clock, number> => {
    const c0 = clocks.cpu();
    const w0 = clocks.wall();
    step();
    return { cpu: clocks.cpu() - c0, wall: clocks.wall() - w0 };
  };
  try {
    // Warm up for a few seconds, not a few steps: V8 keeps optimizing the engine's and the
    // kernels' JS for hundreds of small steps (the course CNN's step goes from ~10 to ~6.5 ms).
    const warmUntil = performance.now() + WARM_UP_MS;
    for (let i = 0; i < 2 || performance.now() < warmUntil; i++) step();
    const plain = Array.from({ length: Math.max(3, steps) }, timed);
    recorder.rows.clear();
    recorder.active = true;
    const profiled = Array.from({ length: steps }, timed);
    recorder.active = false;
    const rows = [...recorder.rows.values()]
      .map((r) => ({ ...r, calls: r.calls / steps, ms: { cpu: r.ms.cpu / steps, wall: r.ms.wall / steps } }))
      .sort((a, b) => b.ms[clock] - a.ms[clock]);
    const phaseMs = Object.fromEntries(PHASES.map((p) => [p, rows.filter((r) => r.phase === p).reduce((s, r) => s + r.ms[clock], 0)])) as Record<Phase, number>;
    const mean = (k: Clock) => profiled.reduce((s, t) => s + t[k], 0) / steps;
    let comparison: StepProfile['comparison'];
    if (compare.length > 0) {
      // Alternating blocks, so a change in the machine's load falls on both sides alike.
      const ours: Record<Clock, number>[] = [];
      const theirs: Record<Clock, number>[] = [];
      const block = Math.max(2, Math.round(steps / COMPARE_ROUNDS));
      for (let round = 0; round < COMPARE_ROUNDS; round++) {
        ours.push(...Array.from({ length: block }, timed));
        const restore = useUpstream(compare);
        step(); // the upstream kernels' first call sets nothing up, but keeps both sides alike
        theirs.push(...Array.from({ length: block }, timed));
        restore();
        step();
      }
      comparison = {
        kernels: compare,
        oursMs: { cpu: medianOf(ours, 'cpu'), wall: medianOf(ours, 'wall') },
        upstreamMs: { cpu: medianOf(theirs, 'cpu'), wall: medianOf(theirs, 'wall') },
      };
    }
    return {
      model: name,
      batch,
      optimizer: optimizerType,
      clock,
      stepMs: { cpu: medianOf(plain, 'cpu'), wall: medianOf(plain, 'wall') },
      profiledStepMs: { cpu: mean('cpu'), wall: mean('wall') },
      phaseMs,
      kernelMs: rows.reduce((s, r) => s + r.ms[clock], 0),
      rows,
      comparison,
    };
  } finally {
    recorder.active = false;
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  }
}

function printTable(p: StepProfile, top: number): void {
  const c = p.clock;
  const stepMs = p.profiledStepMs[c];
  const pct = (ms: number) => `${((100 * ms) / stepMs).toFixed(1)}%`;
  console.log(
    `\n${p.model} (batch ${p.batch}, ${p.optimizer}): step ${p.stepMs.cpu.toFixed(2)} ms CPU, ${p.stepMs.wall.toFixed(2)} ms wall ` +
      `(${((p.batch * 1000) / p.stepMs.wall).toFixed(0)} img/s wall); profiled step ${stepMs.toFixed(2)} ms ${c}: ` +
      `kernels ${p.kernelMs.toFixed(2)} ms, outside kernels ${(stepMs - p.kernelMs).toFixed(2)} ms`,
  );
  console.log(`  ${c} ms: forward ${p.phaseMs.forward.toFixed(2)} · backward ${p.phaseMs.backward.toFixed(2)} · optimizer ${p.phaseMs.optimizer.toFixed(2)}`);
  console.log(`  | kernel | phase | calls/step | ${c} ms/step | % of profiled step |`);
  console.log('  |---|---|--:|--:|--:|');
  for (const r of p.rows.slice(0, top)) console.log(`  | ${r.kernel} | ${r.phase} | ${r.calls} | ${r.ms[c].toFixed(3)} | ${pct(r.ms[c])} |`);
  const rest = p.rows.slice(top);
  if (rest.length > 0) {
    const ms = rest.reduce((s, r) => s + r.ms[c], 0);
    console.log(`  | (${rest.length} more rows) | | ${rest.reduce((s, r) => s + r.calls, 0)} | ${ms.toFixed(3)} | ${pct(ms)} |`);
  }
  const cmp = p.comparison;
  if (cmp) {
    console.log(
      `  wasm's own ${cmp.kernels.join(', ')}: step ${cmp.upstreamMs.cpu.toFixed(2)} ms CPU (${cmp.upstreamMs.wall.toFixed(2)} wall); ` +
        `Trainyard's: ${cmp.oursMs.cpu.toFixed(2)} ms CPU (${cmp.oursMs.wall.toFixed(2)} wall)`,
    );
  }
}

async function main(): Promise<void> {
  tf.env().set('PROD', true); // silences the "install tfjs-node" banner
  upstreamKernels = new Map(tf.getKernelsForBackend('wasm').map((k) => [k.kernelName, k]));
  await initBackend('wasm');
  wrapWasmKernels();
  recorder.byShape = args.get('by') === 'shape';
  const names = (args.get('models') ?? 'cnn,cifar-cnn,vgg16').split(',');
  const steps = Number(args.get('steps') ?? 10);
  const optimizer = args.get('optimizer') === 'adam' ? 'adam' : 'sgd';
  const clock: Clock = args.get('clock') === 'wall' ? 'wall' : 'cpu';
  const top = Number(args.get('top') ?? 25);
  for (const name of names) {
    if (!MODELS[name]) throw new Error(`unknown model '${name}' (have: ${Object.keys(MODELS).join(', ')})`);
    const compare = args.get('compare')?.split(',') ?? [];
    const p = await profileModel(name, name === 'vgg16' ? Math.max(2, Math.round(steps / 5)) : steps, optimizer, clock, compare);
    if (args.has('json')) console.log(JSON.stringify(p));
    else printTable(p, top);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
