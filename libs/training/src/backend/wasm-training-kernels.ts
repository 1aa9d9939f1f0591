import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { conv2dBackpropFilterWasmConfig } from './conv2d-backprop-filter.wasm-kernel';
import { makeBatchMatMulWasm } from './batch-mat-mul.wasm-kernel';
import { makeChannelBroadcastWasm } from './channel-broadcast.wasm-kernel';
import { makeConv2dBackpropInputWasm } from './conv2d-backprop-input.wasm-kernel';
import { makeConv2dWasm, makeFusedConv2dWasm } from './conv2d.wasm-kernel';
import { makeIdentityWasm } from './identity.wasm-kernel';
import { makeMaxPoolGradWasm } from './max-pool-grad.wasm-kernel';
import { makeLeadingAxesReduceWasm } from './sum-mean.wasm-kernel';
import { makeTileWasm } from './tile.wasm-kernel';

// Every other gradient the course's models need (ReLU/Step, MaxPoolGrad, AvgPoolGrad, the ops of
// the BatchNormalization and LogSoftmax gradients) exists on wasm 4.22; wasm-training.spec checks.

const ours = new WeakSet<tf.KernelFunc>();

/** Registers Trainyard's wasm training kernels. Idempotent; needs no wasm backend instance yet. */
export function registerWasmTrainingKernels(): void {
  const filterGrad = tf.getKernel(tf.Conv2DBackpropFilter, 'wasm');
  if (!filterGrad || !ours.has(filterGrad.kernelFunc)) {
    if (filterGrad) tf.unregisterKernel(tf.Conv2DBackpropFilter, 'wasm');
    ours.add(conv2dBackpropFilterWasmConfig.kernelFunc);
    tf.registerKernel(conv2dBackpropFilterWasmConfig);
  }

  // Faster versions of kernels wasm has, kept as their fallback for the cases they skip. Each
  // was picked by bench/training-step-profile.bench.ts; its file says what it saved.
  replaceWasmKernel(tf.Conv2D, (fallback) => makeConv2dWasm(fallback));
  replaceWasmKernel(tf.FusedConv2D, (fallback) => makeFusedConv2dWasm(fallback));
  replaceWasmKernel(tf.Conv2DBackpropInput, makeConv2dBackpropInputWasm);
  replaceWasmKernel(tf.MaxPoolGrad, makeMaxPoolGradWasm);
  replaceWasmKernel(tf.Tile, makeTileWasm);
  replaceWasmKernel(tf.BatchMatMul, makeBatchMatMulWasm);
  replaceWasmKernel(tf.Sum, (fallback) => makeLeadingAxesReduceWasm('sum', fallback));
  replaceWasmKernel(tf.Mean, (fallback) => makeLeadingAxesReduceWasm('mean', fallback));
  for (const op of [tf.Add, tf.Sub, tf.Multiply]) replaceWasmKernel(op, makeChannelBroadcastWasm);
  replaceWasmKernel(tf.Identity, makeIdentityWasm);
}

function replaceWasmKernel(kernelName: string, make: (fallback: tf.KernelFunc) => tf.KernelFunc): void {
  const upstream = tf.getKernel(kernelName, 'wasm');
  if (!upstream || ours.has(upstream.kernelFunc)) return;
  const faster = make(upstream.kernelFunc);
  ours.add(faster);
  // Unregister first: registering over a kernel only warns, and would print on every start.
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ ...upstream, kernelFunc: faster });
}
