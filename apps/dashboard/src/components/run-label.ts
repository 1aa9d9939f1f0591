import type { ExperimentSpec } from '@trainyard/contracts';

/** A one-line description of a spec: what a student recognises a run by. */
export function describeModel(spec: ExperimentSpec): string {
  const m = spec.model;
  switch (m.type) {
    case 'fc2layer':
      return `FC2Layer (hidden ${m.hidden})`;
    case 'cnn':
      return `CNN (${m.features} features${m.head === 'conv1x1' ? ', 1×1 conv head' : ''})`;
    case 'cifar-cnn':
      return 'CIFAR CNN';
    case 'vgg16':
      return `VGG16${m.head === 'conv1x1' ? ' (1×1 conv head)' : ''}`;
  }
}

export function describeData(spec: ExperimentSpec): string {
  const parts: string[] = [spec.dataset];
  if (spec.limit) parts.push(`${spec.limit} train`);
  if (spec.testLimit) parts.push(`${spec.testLimit} test`);
  if (spec.permutePixels !== false) parts.push('permuted');
  return parts.join(' · ');
}

export const runName = (spec: ExperimentSpec) => spec.name ?? describeModel(spec);
