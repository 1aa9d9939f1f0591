import * as tf from '@tensorflow/tfjs';
import type { OptimizerSpec } from '@trainyard/contracts';

/**
 * TF.js 4.22's MomentumOptimizer.dispose() frees its momentum scalar and slots but not the
 * learning-rate scalar it inherits from SGD: one tensor leaked per job without this.
 */
class MomentumOptimizer extends tf.MomentumOptimizer {
  override dispose(): void {
    super.dispose();
    (this as unknown as { c?: tf.Tensor }).c?.dispose();
  }
}

/**
 * PyTorch semantics: SGD momentum is v = μv + g, p -= lr·v (dampening 0, no Nesterov), which is
 * TF.js's MomentumOptimizer; Adam with β=(0.9, 0.999) and PyTorch's ε=1e-8 (TF.js defaults to 1e-7).
 */
export function createOptimizer(spec: OptimizerSpec): tf.Optimizer {
  switch (spec.type) {
    case 'sgd':
      return spec.momentum > 0 ? new MomentumOptimizer(spec.lr, spec.momentum, false) : tf.train.sgd(spec.lr);
    case 'adam':
      return tf.train.adam(spec.lr, 0.9, 0.999, 1e-8);
  }
}
