/**
 * How large a batch each model trains and evaluates on the wasm backend before its heap (at most
 * 4 GiB) runs out: the measurement behind ACTIVATION_MEMORY_LIMITS in libs/contracts. Not a test.
 * Each step runs in a fresh child process, since a failed step can leave the wasm backend broken.
 *
 * Run from the repository root (tens of minutes for the full grid on 2 cores):
 *   npx tsc -b tsconfig.build.json && npx tsc -p libs/training/bench && node libs/training/bench/dist/bench/activation-memory.bench.js
 * One step: node libs/training/bench/dist/bench/activation-memory.bench.js --step vgg16 train 128
 * Prints one JSON line per step: {model, phase, batch, ok, heapMiB, activationMB, error?}.
 */
import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { activationValuesPerSample, type ModelSpec } from '@trainyard/contracts';
import { initBackend } from '../src/backend/backend-selection';
import { buildModel, nativeInputShape } from '../src/models';
import { crossEntropy } from '../src/trainer/loss';
import { createOptimizer } from '../src/trainer/optimizer.factory';

const MODELS: Record<string, ModelSpec> = {
  vgg16: { type: 'vgg16', head: 'fc' },
  'cifar-cnn': { type: 'cifar-cnn' },
  cnn: { type: 'cnn', features: 6, head: 'fc' },
  cnn256: { type: 'cnn', features: 256, head: 'fc' },
};
const GRID: [string, 'train' | 'eval', number[]][] = [
  ['vgg16', 'train', [32, 64, 128, 192, 256, 384, 512]],
  ['vgg16', 'eval', [128, 256, 512, 1024, 2048, 4096, 10000]],
  ['cifar-cnn', 'train', [512, 1024, 2048, 4096]],
  ['cifar-cnn', 'eval', [1000, 2500, 5000, 10000]],
  ['cnn', 'train', [1024, 2048, 4096]],
  ['cnn', 'eval', [2500, 5000, 10000]],
  ['cnn256', 'train', [256, 512, 1024]],
  ['cnn256', 'eval', [1000, 2500, 5000, 10000]],
];

async function step(name: string, phase: 'train' | 'eval', batch: number): Promise<void> {
  await initBackend('wasm');
  const spec = MODELS[name];
  const input = nativeInputShape(spec.type);
  const model = buildModel(spec, input, 0);
  const optimizer = createOptimizer({ type: 'adam', lr: 0.001 });
  const activationMB = (activationValuesPerSample(spec, input) * 4 * batch) / 1e6;
  const heapMiB = () => (tf.backend() as BackendWasm).wasm.HEAPU8.length / 2 ** 20;
  try {
    tf.tidy(() => {
      const x = tf.randomUniform([batch, input.height, input.width, input.channels]);
      const y = tf.zeros([batch], 'int32') as tf.Tensor1D;
      if (phase === 'train') {
        optimizer.minimize(() => crossEntropy(model.apply(x, { training: true }) as tf.Tensor2D, y), false, model.trainableWeights.map((w) => w.read() as tf.Variable));
      } else {
        (model.apply(x, { training: false }) as tf.Tensor).dataSync();
      }
    });
    console.log(JSON.stringify({ model: name, phase, batch, ok: true, heapMiB: heapMiB(), activationMB }));
  } catch (err) {
    console.log(JSON.stringify({ model: name, phase, batch, ok: false, heapMiB: heapMiB(), activationMB, error: String(err instanceof Error ? err.message : err) }));
  }
}

async function main() {
  const argv = process.argv.slice(2);
  if (argv[0] === '--step') return step(argv[1], argv[2] as 'train' | 'eval', Number(argv[3]));
  for (const [name, phase, batches] of GRID) {
    for (const batch of batches) {
      try {
        process.stdout.write(execFileSync(process.execPath, [__filename, '--step', name, phase, String(batch)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
      } catch (err) {
        // The wasm runtime may abort the process outright instead of throwing.
        console.log(JSON.stringify({ model: name, phase, batch, ok: false, error: `process exited: ${(err as { status?: number }).status}` }));
      }
    }
  }
}

void main();
