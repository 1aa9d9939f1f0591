import { compareToCourse, courseSteps, PRESETS, PUBLISHED, type CourseComparison, type ExperimentSpec, type ExperimentView, type PresetName } from '@trainyard/contracts';

/**
 * The course row a run measures: the preset whose whole spec it matches apart from name, seed and
 * data (compareToCourse). Undefined for a variant, which is listed under its preset instead.
 */
export function presetOf(spec: ExperimentSpec): PresetName | undefined {
  const c = compareToCourse(spec);
  return c && c.differences.length === 0 ? c.preset : undefined;
}

export interface CourseRun {
  record: ExperimentView;
  comparison: CourseComparison;
}

export interface CourseRow {
  preset: PresetName;
  title: string;
  group: string;
  published: (typeof PUBLISHED)[PresetName];
  /** SGD steps of the course's run (938 for the 4.1 presets). */
  courseSteps: number;
  /** The newest completed comparable run of the preset; failing one, its newest completed run. */
  measured?: ExperimentView;
  /** How `measured` compares with the course: `comparable: false` comes with its reasons. */
  comparison?: CourseComparison;
  /** The newest completed run of each variant of the preset (one per set of differences), newest first. */
  variants: CourseRun[];
}

const GROUPS: Record<PresetName, string> = {
  'mnist-fc': '4.1 MNIST',
  'mnist-cnn': '4.1 MNIST',
  'mnist-fc-permuted': '4.1 MNIST, permuted pixels',
  'mnist-cnn-permuted': '4.1 MNIST, permuted pixels',
  'cifar10-cnn': '4.2 CIFAR-10',
  'cifar10-vgg16': '4.3 CIFAR-10',
};

const finished = (r: ExperimentView) => r.finishedAt ?? r.createdAt;

/** The course's results table: each published number beside the run that measures it, and the preset's variants. */
export function courseRows(records: readonly ExperimentView[]): CourseRow[] {
  const runs = records
    .filter((r) => r.status === 'completed' && r.result)
    // Judged on the images each run loaded (its result), not on the canonical sizes its spec names.
    .map((record) => ({ record, comparison: compareToCourse(record.spec, record.result) }))
    .filter((r): r is CourseRun => r.comparison !== undefined)
    .sort((a, b) => finished(b.record).localeCompare(finished(a.record)));
  return (Object.keys(PUBLISHED) as PresetName[]).map((preset) => {
    const mine = runs.filter((r) => r.comparison.preset === preset);
    const own = mine.filter((r) => r.comparison.differences.length === 0);
    const chosen = own.find((r) => r.comparison.comparable) ?? own[0];
    const variants = new Map<string, CourseRun>();
    for (const r of mine) {
      const key = JSON.stringify(r.comparison.differences);
      if (r.comparison.differences.length > 0 && !variants.has(key)) variants.set(key, r);
    }
    return {
      preset,
      title: PRESETS[preset].name,
      group: GROUPS[preset],
      published: PUBLISHED[preset],
      courseSteps: courseSteps(preset),
      measured: chosen?.record,
      comparison: chosen?.comparison,
      variants: [...variants.values()],
    };
  });
}
