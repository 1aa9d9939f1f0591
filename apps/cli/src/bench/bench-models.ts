import type { BackendName } from '@trainyard/contracts';

// Apart from training-throughput.ts (which loads TF.js), so that `trainyard --help` and the
// bench's option parsing start without it.

/** The course models the bench knows, each at its course batch size. */
export const BENCH_BATCH = { fc2layer: 64, cnn: 64, 'cifar-cnn': 64, vgg16: 128 } as const;
export type BenchModel = keyof typeof BENCH_BATCH;
export const BENCH_MODELS = Object.keys(BENCH_BATCH) as BenchModel[];

/** Backends timed when --backend is not given. */
export const DEFAULT_BACKENDS: BackendName[] = ['wasm', 'cpu'];
