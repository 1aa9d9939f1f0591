import type { BackendName, ModelSpec } from '@trainyard/contracts';

// Apart from training-throughput.ts (which loads TF.js), so that `trainyard --help` and the
// bench's option parsing start without it.

/** The course models the bench knows, each at its course batch size. */
export const BENCH_BATCH = { fc2layer: 64, cnn: 64, 'cifar-cnn': 64, vgg16: 128 } as const;
export type BenchModel = keyof typeof BENCH_BATCH;
export const BENCH_MODELS = Object.keys(BENCH_BATCH) as BenchModel[];
/** Each at its course size: libs/training's COURSE_MODELS entries of the same names. */
export const BENCH_MODEL_SPECS: Record<BenchModel, ModelSpec> = {
  fc2layer: { type: 'fc2layer', hidden: 8 },
  cnn: { type: 'cnn', features: 6, head: 'fc' },
  'cifar-cnn': { type: 'cifar-cnn' },
  vgg16: { type: 'vgg16', head: 'fc' },
};

/** Backends timed when --backend is not given. */
export const DEFAULT_BACKENDS: BackendName[] = ['wasm', 'cpu'];

/** The synthetic set's largest training split (libs/training's SYNTHETIC_MAX.train), here without loading TF.js. */
export const SYNTHETIC_MAX_TRAIN = 60_000;
