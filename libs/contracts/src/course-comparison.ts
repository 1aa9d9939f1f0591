import { COURSE_DATASET, courseEpochs, courseSteps, onCourseData, trainingSteps } from './course-steps';
import { TEST_SAMPLES, TRAIN_SAMPLES, trainSampleCount } from './dataset-sizes';
import type { TrainingResult } from './experiment-events';
import { presetSpec } from './experiment-request';
import type { ExperimentSpec } from './experiment-spec.schema';
import { PRESET_NAMES, type PresetName } from './presets';

// Which course row a run measures, and whether its number can stand beside the published one.
// Shared by the dashboard's course table and the CLI's `report`.

/**
 * Spec fields a run of a preset may change and still be that preset's run: its label, its seed and
 * its data (set, subset, epochs). Whether the number is then comparable is compareToCourse's reasons.
 */
const FREE_FIELDS: ReadonlySet<string> = new Set(['name', 'seed', 'dataset', 'epochs', 'limit', 'testLimit']);

/** Leaves of a spec as `[path, value]`, e.g. `['optimizer.lr', '0.01']`; arrays as `a, b`. */
export function flattenSpec(spec: unknown, prefix = ''): [string, string][] {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return [[prefix, Array.isArray(spec) ? spec.join(', ') : String(spec)]];
  return Object.entries(spec).flatMap(([k, v]) => flattenSpec(v, prefix ? `${prefix}.${k}` : k));
}

/** One field where a run differs from its preset; `undefined` where one side does not set it. */
export interface SpecDifference {
  path: string;
  preset?: string;
  run?: string;
}

/** `transforms.normalize.mean: 0.1307 → none`: what a variant changed, for a label. */
export const describeDifference = (d: SpecDifference) => `${d.path}: ${d.preset ?? 'none'} → ${d.run ?? 'none'}`;

const presetSpecs = new Map<PresetName, [string, string][]>();
const presetLeaves = (preset: PresetName) => {
  if (!presetSpecs.has(preset)) presetSpecs.set(preset, flattenSpec(presetSpec(preset)));
  return presetSpecs.get(preset)!;
};

/** Every field outside FREE_FIELDS where the spec differs from the preset (defaults filled in), in path order. */
export function presetDifferences(preset: PresetName, spec: ExperimentSpec): SpecDifference[] {
  const base = new Map(presetLeaves(preset));
  const run = new Map(flattenSpec(spec));
  const paths = [...new Set([...base.keys(), ...run.keys()])].filter((p) => !FREE_FIELDS.has(p.split('.')[0])).sort();
  return paths.filter((p) => base.get(p) !== run.get(p)).map((path) => ({ path, preset: base.get(path), run: run.get(path) }));
}

export interface CourseComparison {
  /** The preset whose row the run belongs to: of those with its model and permutation on/off, the one it differs least from. */
  preset: PresetName;
  /** Empty for a run of the preset itself; otherwise the run is a variant listed under it. */
  differences: SpecDifference[];
  /** SGD steps the run takes, and the course's run of the preset. */
  steps: number;
  courseSteps: number;
  /** True when the run's number can stand beside the published one: no reasons. */
  comparable: boolean;
  /** Why not, one phrase each (a variant's differences, other data, a subset, fewer or more steps). */
  reasons: string[];
}

/**
 * What a run really trained and tested on: the counts its `started` event and its result carry
 * (TrainingResult's `trainSamples` / `testSamples`, after `limit` / `testLimit`). A server's copy
 * of `mnist` or `cifar10` may be smaller than the canonical set, which the spec cannot show.
 */
export type TrainedOn = Pick<TrainingResult, 'trainSamples' | 'testSamples'>;

const int = (n: number) => n.toLocaleString('en-US');

/**
 * Places a run in the course's table. Undefined when no preset has the run's model type. A run
 * counts for its preset only when its whole spec matches the preset apart from name, seed and data
 * (data set, limit, testLimit, epochs); anything else makes it a variant. It is comparable when it
 * is no variant, trains on the course's images, on the whole canonical set (TRAIN_SAMPLES /
 * TEST_SAMPLES), for the steps courseEpochs gives on that set.
 *
 * `trained`: the counts the run loaded (its result, or its `started` event). Pass them for every
 * run that has started: steps and comparability are then judged on them. Without them the spec's
 * nominal counts on the canonical set are assumed, which only suits a run not yet started.
 */
export function compareToCourse(spec: ExperimentSpec, trained?: TrainedOn): CourseComparison | undefined {
  let best: { preset: PresetName; differences: SpecDifference[] } | undefined;
  for (const preset of PRESET_NAMES) {
    const base = presetSpec(preset);
    // The model and whether pixels are permuted pick the row (another permutation seed is a variant of a permuted row).
    if (base.model.type !== spec.model.type || (base.permutePixels === false) !== (spec.permutePixels === false)) continue;
    const differences = presetDifferences(preset, spec);
    if (!best || differences.length < best.differences.length) best = { preset, differences };
  }
  if (!best) return undefined;
  const { preset, differences } = best;
  const trainSamples = trained?.trainSamples ?? trainSampleCount(spec);
  const steps = trainingSteps(spec, trainSamples);
  const course = courseSteps(preset);
  const reasons: string[] = [];
  if (differences.length) reasons.push(`a variant: ${differences.map(describeDifference).join('; ')}`);
  if (!onCourseData(preset, spec)) reasons.push(`trained on ${spec.dataset} data, not ${COURSE_DATASET[preset]}`);
  else reasons.push(...subsetReasons(spec, trainSamples, trained?.testSamples));
  if (steps < course) reasons.push(`fewer SGD steps than the course: ${int(steps)} vs ${int(course)}`);
  else if (spec.epochs > courseEpochs(preset, spec, trainSamples)) reasons.push(`more SGD steps than the course: ${int(steps)} vs ${int(course)}`);
  return { preset, differences, steps, courseSteps: course, comparable: reasons.length === 0, reasons };
}

/**
 * Why the run's images are not the whole canonical set: a `limit` / `testLimit` that took the
 * first N, or a server's set of another size (loaded counts that no limit explains).
 */
function subsetReasons(spec: ExperimentSpec, trainSamples: number, testSamples: number | undefined): string[] {
  const reasons: string[] = [];
  const fullTrain = TRAIN_SAMPLES[spec.dataset];
  const fullTest = TEST_SAMPLES[spec.dataset];
  if (spec.limit !== undefined && spec.limit < fullTrain && trainSamples === spec.limit) reasons.push(`a subset: the first ${int(spec.limit)} of ${int(fullTrain)} training images`);
  else if (trainSamples !== fullTrain) reasons.push(`not the canonical set: ${int(trainSamples)} of ${int(fullTrain)} training images`);
  const tested = testSamples ?? Math.min(spec.testLimit ?? fullTest, fullTest);
  if (spec.testLimit !== undefined && spec.testLimit < fullTest && tested === spec.testLimit) reasons.push(`tested on the first ${int(spec.testLimit)} of ${int(fullTest)} test images`);
  else if (tested !== fullTest) reasons.push(`tested on ${int(tested)} of ${int(fullTest)} test images`);
  return reasons;
}
