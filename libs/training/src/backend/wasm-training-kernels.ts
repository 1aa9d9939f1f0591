import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { conv2dBackpropFilterWasmConfig } from './conv2d-backprop-filter.wasm-kernel';
import { makeConv2dBackpropInputWasm } from './conv2d-backprop-input.wasm-kernel';

// Every other gradient the course's models need (ReLU/Step, MaxPoolGrad, AvgPoolGrad, the ops of
// the BatchNormalization and LogSoftmax gradients) exists on wasm 4.22; the training spec checks.

const ours = new WeakSet<tf.KernelFunc>();

/** Registers Trainyard's wasm training kernels. Idempotent; needs no wasm backend instance yet. */
export function registerWasmTrainingKernels(): void {
  const filterGrad = tf.getKernel(tf.Conv2DBackpropFilter, 'wasm');
  if (!filterGrad || !ours.has(filterGrad.kernelFunc)) {
    if (filterGrad) tf.unregisterKernel(tf.Conv2DBackpropFilter, 'wasm');
    ours.add(conv2dBackpropFilterWasmConfig.kernelFunc);
    tf.registerKernel(conv2dBackpropFilterWasmConfig);
  }

  const inputGrad = tf.getKernel(tf.Conv2DBackpropInput, 'wasm');
  if (inputGrad && !ours.has(inputGrad.kernelFunc)) {
    const faster = makeConv2dBackpropInputWasm(inputGrad.kernelFunc);
    ours.add(faster);
    // Unregister first: registering over a kernel only warns and would print on every start.
    tf.unregisterKernel(tf.Conv2DBackpropInput, 'wasm');
    tf.registerKernel({ ...inputGrad, kernelFunc: faster });
  }
}
