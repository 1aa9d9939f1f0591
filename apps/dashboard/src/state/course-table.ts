import { PRESETS, PUBLISHED, type ExperimentSpec, type PresetName } from '@trainyard/contracts';
import type { ExperimentRecord } from '../api/api-client';

/**
 * Which course row a run measures: its model and whether it permutes pixels, whatever its
 * epochs, limit or data set (a quick run on the bundled digits still answers the question).
 */
export function presetOf(spec: ExperimentSpec): PresetName | undefined {
  const mnist = spec.dataset === 'mnist' || spec.dataset === 'mnist-bundled';
  const permuted = spec.permutePixels !== false;
  switch (spec.model.type) {
    case 'fc2layer':
      return mnist ? (permuted ? 'mnist-fc-permuted' : 'mnist-fc') : undefined;
    case 'cnn':
      return mnist && spec.model.head === 'fc' ? (permuted ? 'mnist-cnn-permuted' : 'mnist-cnn') : undefined;
    case 'cifar-cnn':
      return spec.dataset === 'cifar10' && !permuted ? 'cifar10-cnn' : undefined;
    case 'vgg16':
      return spec.dataset === 'cifar10' && !permuted && spec.model.head === 'fc' ? 'cifar10-vgg16' : undefined;
  }
}

export interface CourseRow {
  preset: PresetName;
  title: string;
  group: string;
  published: (typeof PUBLISHED)[PresetName];
  /** The newest completed run of this row, if any. */
  measured?: ExperimentRecord;
}

const GROUPS: Record<PresetName, string> = {
  'mnist-fc': '4.1 MNIST',
  'mnist-cnn': '4.1 MNIST',
  'mnist-fc-permuted': '4.1 MNIST, permuted pixels',
  'mnist-cnn-permuted': '4.1 MNIST, permuted pixels',
  'cifar10-cnn': '4.2 CIFAR-10',
  'cifar10-vgg16': '4.3 CIFAR-10',
};

/** The course's results table, each published number beside the newest run that measures it. */
export function courseRows(records: readonly ExperimentRecord[]): CourseRow[] {
  const newest = new Map<PresetName, ExperimentRecord>();
  for (const r of records) {
    if (r.status !== 'completed' || !r.result) continue;
    const preset = presetOf(r.spec);
    const prev = preset && newest.get(preset);
    if (preset && (!prev || (r.finishedAt ?? r.createdAt) > (prev.finishedAt ?? prev.createdAt))) newest.set(preset, r);
  }
  return (Object.keys(PUBLISHED) as PresetName[]).map((preset) => ({
    preset,
    title: PRESETS[preset].name,
    group: GROUPS[preset],
    published: PUBLISHED[preset],
    measured: newest.get(preset),
  }));
}
