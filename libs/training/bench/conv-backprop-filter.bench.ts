/**
 * Training-step throughput of the course's CNNs on TF.js wasm (with Trainyard's gradient kernels)
 * and cpu, and the filter-gradient methods layer by layer. Not a test: figures vary with the load
 * of the shared machine, so compare ratios taken in one run.
 *
 * Run from the repository root (a few minutes; set --quick for a short run):
 *   npx tsc -p libs/training/bench && node libs/training/bench/dist/bench/conv-backprop-filter.bench.js
 * Options: --quick, --only=layers|steps, --vgg-batch=N (wasm, default 128), --cpu-vgg-batch=N (default 2).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { chooseFilterGradMethod, conv2dBackpropFilterWasm, type FilterGradMethod } from '../src/backend/conv2d-backprop-filter.wasm-kernel';
import { registerWasmTrainingKernels } from '../src/backend/wasm-training-kernels';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'] as const;
  }),
);
const quick = args.has('quick');
const only = args.get('only');
const vggBatch = Number(args.get('vgg-batch') ?? (quick ? 16 : 128));
const cpuVggBatch = Number(args.get('cpu-vgg-batch') ?? 2);

// Captured before registration replaces it, to show what the replacement is worth.
const upstreamBackpropInput = tf.getKernel(tf.Conv2DBackpropInput, 'wasm');

type Shape4 = [number, number, number, number];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median ms of `fn` over at least `minRuns` runs and about `budgetMs`, after a warm-up run. */
function time(fn: () => void, minRuns = 3, budgetMs = quick ? 300 : 1500, warmUp = true): number {
  if (warmUp) fn();
  const runs: number[] = [];
  const start = performance.now();
  while (runs.length < minRuns || (performance.now() - start < budgetMs && runs.length < 50)) {
    const t0 = performance.now();
    fn();
    runs.push(performance.now() - t0);
  }
  return median(runs);
}

// --- Filter gradient, layer by layer --------------------------------------------------------

const LAYERS: [string, Shape4, number, number, 'same' | 'valid'][] = [
  ['CNN conv1 1→6 5×5 @28', [64, 28, 28, 1], 5, 6, 'valid'],
  ['CNN conv2 6→6 5×5 @12', [64, 12, 12, 6], 5, 6, 'valid'],
  ['CIFAR conv1 3→6 5×5 @32', [64, 32, 32, 3], 5, 6, 'valid'],
  ['CIFAR conv2 6→16 5×5 @14', [64, 14, 14, 6], 5, 16, 'valid'],
  ['VGG 3→64 @32', [vggBatch, 32, 32, 3], 3, 64, 'same'],
  ['VGG 64→128 @16', [vggBatch, 16, 16, 64], 3, 128, 'same'],
  ['VGG 128→256 @8', [vggBatch, 8, 8, 128], 3, 256, 'same'],
  ['VGG 256→256 @8', [vggBatch, 8, 8, 256], 3, 256, 'same'],
  ['VGG 256→512 @4', [vggBatch, 4, 4, 256], 3, 512, 'same'],
  ['VGG 512→512 @4', [vggBatch, 4, 4, 512], 3, 512, 'same'],
  ['VGG 512→512 @2', [vggBatch, 2, 2, 512], 3, 512, 'same'],
];

async function benchLayers(): Promise<void> {
  await tf.setBackend('wasm');
  const backend = tf.backend() as BackendWasm;
  console.log(`\nConv2DBackpropFilter on wasm, ms per call (VGG layers at batch ${vggBatch})`);
  console.log('layer                         batch-as-channels   im2col   chosen');
  for (const [name, xShape, k, co, pad] of LAYERS) {
    const x = tf.randomNormal(xShape);
    const filterShape: Shape4 = [k, k, xShape[3], co];
    const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, 1, 1, pad);
    const dy = tf.randomNormal(info.outShape);
    const attrs = { strides: 1, pad, dataFormat: 'NHWC', filterShape } as unknown as tf.NamedAttrMap;
    const ms = (method: FilterGradMethod) =>
      time(() => {
        const out = conv2dBackpropFilterWasm({ inputs: { x, dy }, backend, attrs }, { method });
        backend.disposeData(out.dataId);
      });
    const bac = ms('batch-as-channels');
    const im2col = ms('im2col');
    console.log(`${name.padEnd(30)}${bac.toFixed(1).padStart(17)}${im2col.toFixed(1).padStart(9)}   ${chooseFilterGradMethod(info)}`);
    tf.dispose([x, dy]);
  }
}

// --- Training steps -------------------------------------------------------------------------

type Builder = () => tf.Sequential;

/** Course 4.1 CNN(6): 6,422 parameters. */
const courseCnn: Builder = () =>
  tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 6, kernelSize: 5, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 50, activation: 'relu' }),
      tf.layers.dense({ units: 10 }),
    ],
  });

/** Course 4.2 CIFAR CNN: 62,006 parameters. */
const cifarCnn: Builder = () =>
  tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 6, kernelSize: 5, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 120, activation: 'relu' }),
      tf.layers.dense({ units: 84, activation: 'relu' }),
      tf.layers.dense({ units: 10 }),
    ],
  });

/** Course 4.3 "VGG16" (VGG-11 shaped): 9,231,114 parameters. */
const vgg: Builder = () => {
  const layers: tf.layers.Layer[] = [];
  for (const item of [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'] as const) {
    const first = layers.length === 0 ? { inputShape: [32, 32, 3] } : {};
    if (item === 'M') layers.push(tf.layers.maxPooling2d({ poolSize: 2 }));
    else
      layers.push(
        tf.layers.conv2d({ filters: item, kernelSize: 3, padding: 'same', ...first }),
        tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }),
        tf.layers.activation({ activation: 'relu' }),
      );
  }
  layers.push(tf.layers.flatten(), tf.layers.dense({ units: 10 }));
  return tf.sequential({ layers });
};

/** Images per second of forward + backward + SGD-momentum step, as the course trains. */
async function stepsPerSecond(backendName: string, build: Builder, batch: number, steps: number, warmUp = true): Promise<number> {
  await tf.setBackend(backendName);
  const model = build();
  const optimizer = tf.train.momentum(0.01, 0.5);
  const inputShape = model.inputs[0].shape.slice(1) as number[];
  const x = tf.randomNormal([batch, ...inputShape]);
  const labels = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32') as tf.Tensor1D, 10);
  const step = () => {
    const loss = optimizer.minimize(() => {
      const logits = model.apply(x, { training: true }) as tf.Tensor2D;
      return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), labels), 1))) as tf.Scalar;
    }, true);
    loss?.dataSync();
    loss?.dispose();
  };
  const ms = time(step, steps, 0, warmUp);
  tf.dispose([x, labels]);
  optimizer.dispose();
  model.dispose();
  return (batch * 1000) / ms;
}

function useUpstreamBackpropInput(upstream: boolean): void {
  if (!upstreamBackpropInput) return;
  tf.unregisterKernel(tf.Conv2DBackpropInput, 'wasm');
  if (upstream) tf.registerKernel(upstreamBackpropInput);
  else registerWasmTrainingKernels();
}

async function benchSteps(): Promise<void> {
  console.log('\nTraining step (forward + backward + SGD), images/s, median');
  const row = (name: string, batch: number, ips: number) =>
    console.log(`${name.padEnd(58)} batch ${String(batch).padStart(3)}  ${ips.toFixed(ips < 10 ? 2 : 1).padStart(8)} img/s`);
  const cnnSteps = quick ? 3 : 10;
  row('CNN (4.1)           wasm + Trainyard kernels', 64, await stepsPerSecond('wasm', courseCnn, 64, cnnSteps));
  row('CNN (4.1)           cpu', 64, await stepsPerSecond('cpu', courseCnn, 64, quick ? 2 : 3));
  row('CIFAR CNN (4.2)     wasm + Trainyard kernels', 64, await stepsPerSecond('wasm', cifarCnn, 64, cnnSteps));
  row('CIFAR CNN (4.2)     cpu', 64, await stepsPerSecond('cpu', cifarCnn, 64, 2));
  row('VGG (4.3)           wasm + Trainyard kernels', vggBatch, await stepsPerSecond('wasm', vgg, vggBatch, quick ? 1 : 3));
  useUpstreamBackpropInput(true);
  row('VGG (4.3)           wasm, upstream Conv2DBackpropInput', vggBatch, await stepsPerSecond('wasm', vgg, vggBatch, 1));
  useUpstreamBackpropInput(false);
  // One step without warm-up: a cpu VGG step takes about a minute.
  row('VGG (4.3)           cpu', cpuVggBatch, await stepsPerSecond('cpu', vgg, cpuVggBatch, 1, false));
}

async function main(): Promise<void> {
  registerWasmTrainingKernels();
  tf.env().set('PROD', true); // silences the "install tfjs-node" banner
  if (only !== 'steps') await benchLayers();
  if (only !== 'layers') await benchSteps();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
