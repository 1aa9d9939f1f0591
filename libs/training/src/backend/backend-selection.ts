import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendChoice, BackendName } from '@trainyard/contracts';
import type { BackendSelection } from '../trainer/trainer.types';
import { registerWasmTrainingKernels } from './wasm-training-kernels';

/** An explicitly chosen backend cannot run here; retrying the job will not change that. */
export class BackendUnavailableError extends Error {
  constructor(
    readonly backend: BackendName,
    readonly why: string,
  ) {
    super(`backend '${backend}' is unavailable: ${why}. Choose 'auto' to fall back to the best available one.`);
    this.name = 'BackendUnavailableError';
  }
}

const AUTO_ORDER: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** Both node packages register a TF.js backend called 'tensorflow'; only one may load per process. */
const NODE_PACKAGES = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const;
type NodeBackend = keyof typeof NODE_PACKAGES;

type Attempt = { ok: true; reason: string } | { ok: false; why: string };

let loadedNodePackage: NodeBackend | undefined;
let last: { choice: BackendChoice; selection: BackendSelection } | undefined;

/**
 * Makes TF.js run on the chosen backend. 'auto' takes the first that works of tfjs-node-gpu,
 * tfjs-node, wasm (with Trainyard's training kernels) and cpu, and logs why it passed over the
 * others. An explicit choice that cannot run throws BackendUnavailableError. Calling it again
 * with the same choice returns the same selection.
 */
export async function initBackend(choice: BackendChoice, log?: (msg: string) => void): Promise<BackendSelection> {
  if (last && last.choice === choice && tf.getBackend() === engineName(last.selection.backend)) {
    return last.selection;
  }
  const passedOver: BackendSelection['passedOver'] = [];
  for (const backend of choice === 'auto' ? AUTO_ORDER : [choice]) {
    const attempt = await tryBackend(backend);
    if (attempt.ok) {
      const selection: BackendSelection = { backend, reason: attempt.reason, passedOver };
      for (const p of passedOver) log?.(`backend ${p.backend}: passed over: ${p.why}`);
      log?.(`backend ${backend}: ${attempt.reason}`);
      last = { choice, selection };
      return selection;
    }
    if (choice !== 'auto') throw new BackendUnavailableError(backend, attempt.why);
    passedOver.push({ backend, why: attempt.why });
  }
  // Unreachable while 'cpu' (pure JS, always present) is last in AUTO_ORDER.
  throw new Error(`no TF.js backend could start: ${passedOver.map((p) => `${p.backend}: ${p.why}`).join('; ')}`);
}

function engineName(backend: BackendName): string {
  return backend === 'tensorflow-gpu' ? 'tensorflow' : backend;
}

async function tryBackend(backend: BackendName): Promise<Attempt> {
  switch (backend) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      return tryNodeBinding(backend);
    case 'wasm':
      return tryWasm();
    case 'cpu':
      return (await activate('cpu'))
        ? { ok: true, reason: 'pure-JavaScript kernels (slowest: hundreds of times slower than PyTorch on convolutions)' }
        : { ok: false, why: 'the cpu backend failed to start' };
  }
}

async function tryNodeBinding(backend: NodeBackend): Promise<Attempt> {
  const pkg = NODE_PACKAGES[backend];
  if (loadedNodePackage === 'tensorflow' && backend === 'tensorflow-gpu') {
    return { ok: false, why: `this process already loaded ${NODE_PACKAGES.tensorflow} (CPU only), and both packages register the same 'tensorflow' backend` };
  }
  if (!loadedNodePackage) {
    try {
      // Required lazily: both are optionalDependencies whose install downloads libtensorflow.
      require(pkg);
      loadedNodePackage = backend;
    } catch (err) {
      forgetPartialLoad();
      return { ok: false, why: describeLoadFailure(pkg, err) };
    }
  }
  const loaded = NODE_PACKAGES[loadedNodePackage ?? backend];
  if (!(await activate('tensorflow'))) return { ok: false, why: `${loaded} loaded but its 'tensorflow' backend failed to start` };
  const onGpu = (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
  if (backend === 'tensorflow-gpu') {
    if (!onGpu) return { ok: false, why: `${pkg} loaded but libtensorflow found no usable CUDA GPU (check the driver and CUDA_VISIBLE_DEVICES)` };
    return { ok: true, reason: `${pkg}: libtensorflow on a CUDA GPU` };
  }
  // libtensorflow-gpu runs on the CPU when CUDA finds no device: as good as tfjs-node's.
  return { ok: true, reason: `${loaded}: native libtensorflow on the CPU` };
}

/** Why requiring a node package failed, in words a student can act on. */
export function describeLoadFailure(pkg: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const firstLine = message.split('\n')[0].trim();
  if ((err as { code?: string }).code === 'MODULE_NOT_FOUND' && firstLine.includes(`'${pkg}'`)) {
    return 'not installed (optional dependency; its install downloads libtensorflow, which needs network access)';
  }
  if (message.includes('tfjs_binding.node')) {
    return `installed without its native addon (its install downloads libtensorflow, which failed here; run 'npm rebuild ${pkg}' with network access)`;
  }
  return `installed but failed to load (a missing libtensorflow or CUDA library?): ${firstLine}`;
}

/**
 * A node package registers its kernels for 'tensorflow' before it looks for its native addon.
 * Dropping them after a failed load lets the other package register cleanly, without a warning
 * for each of its ~170 kernels.
 */
function forgetPartialLoad(): void {
  for (const kernel of tf.getKernelsForBackend('tensorflow')) tf.unregisterKernel(kernel.kernelName, 'tensorflow');
  if (tf.findBackendFactory('tensorflow')) tf.removeBackend('tensorflow');
}

async function tryWasm(): Promise<Attempt> {
  registerWasmTrainingKernels();
  let started: boolean;
  try {
    started = await activate('wasm');
  } catch (err) {
    return { ok: false, why: `failed to start: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (!started) return { ok: false, why: 'failed to start (could the .wasm files in @tensorflow/tfjs-backend-wasm/dist be read?)' };
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  // Under Node the threaded build cannot start its workers (they load from a blob: URL), and
  // WASM_HAS_MULTITHREAD_SUPPORT is false there, so XNNPACK runs on one thread.
  // A run may still use several cores: data-parallel replicas, each its own instance (TRAIN_THREADS).
  const threads = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) ? 'multi-threaded' : 'one thread per instance';
  return {
    ok: true,
    reason: `XNNPACK in WebAssembly (${simd ? 'SIMD' : 'no SIMD'}, ${threads}), plus Trainyard's Conv2DBackpropFilter and faster gradient kernels`,
  };
}

/** setBackend and a one-op smoke test: a backend can register yet fail on first use. */
async function activate(name: string): Promise<boolean> {
  if (!(await tf.setBackend(name))) return false;
  await tf.ready();
  try {
    tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(1)).dataSync());
    return true;
  } catch {
    return false;
  }
}
