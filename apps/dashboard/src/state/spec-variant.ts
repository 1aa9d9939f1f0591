import { flattenSpec, type ExperimentSpec } from '@trainyard/contracts';

export { flattenSpec };

/** The paths whose values differ between two specs (a key only one has counts as different). */
export function specDiff(a: ExperimentSpec, b: ExperimentSpec): Set<string> {
  const left = new Map(flattenSpec(a));
  const right = new Map(flattenSpec(b));
  const out = new Set<string>();
  for (const key of new Set([...left.keys(), ...right.keys()])) if (left.get(key) !== right.get(key)) out.add(key);
  out.delete('name');
  return out;
}

/** The course's discussion questions, each as one change to a run. */
export type OneChange =
  | { kind: 'shuffle' }
  | { kind: 'normalize'; mean: number[]; std: number[] }
  | { kind: 'no-normalize' }
  | { kind: 'batchSize'; value: number }
  | { kind: 'epochs'; value: number }
  | { kind: 'head' };

export const headSwitchable = (spec: ExperimentSpec) => spec.model.type === 'cnn' || spec.model.type === 'vgg16';

/** The base spec with exactly one thing changed, and a name that says what. */
export function withOneChange(base: ExperimentSpec, change: OneChange): Record<string, unknown> {
  const spec = structuredClone(base) as ExperimentSpec;
  const baseName = base.name ?? base.model.type;
  let what: string;
  switch (change.kind) {
    case 'shuffle':
      spec.shuffle = !base.shuffle;
      what = `shuffle ${spec.shuffle ? 'on' : 'off'}`;
      break;
    case 'normalize':
      spec.transforms = { ...base.transforms, normalize: { mean: change.mean, std: change.std } };
      what = `normalize ${change.mean.join('/')} ± ${change.std.join('/')}`;
      break;
    case 'no-normalize': {
      const { normalize: _dropped, ...rest } = base.transforms;
      spec.transforms = rest;
      what = 'no normalisation';
      break;
    }
    case 'batchSize':
      spec.batchSize = change.value;
      what = `batch ${change.value}`;
      break;
    case 'epochs':
      spec.epochs = change.value;
      what = `${change.value} epoch${change.value === 1 ? '' : 's'}`;
      break;
    case 'head':
      if (spec.model.type !== 'cnn' && spec.model.type !== 'vgg16') throw new Error('only the CNN and VGG16 have a switchable head');
      spec.model = { ...spec.model, head: spec.model.head === 'fc' ? 'conv1x1' : 'fc' };
      what = `${spec.model.head === 'conv1x1' ? '1×1 conv' : 'FC'} head`;
      break;
  }
  spec.name = `${baseName.replace(/ \[.*\]$/, '')} [${what}]`.slice(0, 120);
  return spec as unknown as Record<string, unknown>;
}
