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

/** A tensor with its slot name (TF.js's io NamedTensor, which the package does not re-export). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

// Adam's running powers β₁ᵗ and β₂ᵗ. TF.js's setWeights() recomputes them as pow(β, t+1), which
// rounds differently from the product the steps accumulated, so a resumed run would drift: they
// are saved and restored exactly instead.
const ADAM_POWERS = ['accBeta1', 'accBeta2'] as const;
type AdamPowers = Record<(typeof ADAM_POWERS)[number], tf.Variable>;

/**
 * The optimizer's whole state as named tensors, for a checkpoint: the step count, SGD momentum
 * buffers or Adam's first and second moments (one per trainable weight, in the model's order),
 * and Adam's β powers. The caller must dispose the returned tensors (they are copies).
 */
export async function optimizerState(optimizer: tf.Optimizer): Promise<NamedTensor[]> {
  const weights = await optimizer.getWeights();
  // getWeights() hands out the live slot variables (and a fresh iteration scalar): copy the slots
  // so the checkpoint never aliases what the next step will overwrite.
  const state = weights.map((w, i) => ({ name: w.name, tensor: i === 0 ? w.tensor : w.tensor.clone() }));
  if (isAdam(optimizer)) {
    const powers = optimizer as unknown as AdamPowers;
    for (const name of ADAM_POWERS) state.push({ name, tensor: powers[name].clone() });
  }
  return state;
}

/**
 * Puts back what optimizerState() saved, into a fresh optimizer of the same spec. The slots are
 * matched by position (TF.js optimizers index them by the order of the variables they step), so
 * the model's variable names may differ from the run that saved them.
 */
export async function restoreOptimizerState(optimizer: tf.Optimizer, state: NamedTensor[]): Promise<void> {
  let slots = state;
  let powers: NamedTensor[] = [];
  if (isAdam(optimizer)) {
    powers = state.slice(-ADAM_POWERS.length);
    slots = state.slice(0, -ADAM_POWERS.length);
    if (powers.map((p) => p.name).join() !== ADAM_POWERS.join()) throw new Error('checkpoint optimizer state is not Adam state');
  }
  await optimizer.setWeights(slots);
  const target = optimizer as unknown as AdamPowers;
  powers.forEach((p, i) => target[ADAM_POWERS[i]].assign(p.tensor as tf.Scalar));
}

// Not `instanceof`: tf.Optimizer defines Symbol.hasInstance as "has minimize()", so every
// optimizer is an `instanceof tf.AdamOptimizer`.
const isAdam = (optimizer: tf.Optimizer) => optimizer.getClassName() === tf.AdamOptimizer.className;
