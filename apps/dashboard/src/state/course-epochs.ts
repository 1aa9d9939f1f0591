import { courseEpochs, DATASET_NAMES, LIMITS, type DatasetName, type PresetName } from '@trainyard/contracts';

const positiveInt = (v: unknown, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max;

/**
 * The submit form's draft with `epochs` set by the course steps rule (courseEpochs) for its data set,
 * limit and batch size, as the API sets it for a preset request without epochs. Unchanged while
 * those fields do not yet hold valid values (the form shows their errors), or when nothing changes.
 */
export function withCourseEpochs(preset: PresetName, draft: Record<string, unknown>): Record<string, unknown> {
  const { dataset, limit, batchSize } = draft;
  if (!DATASET_NAMES.includes(dataset as DatasetName) || !positiveInt(batchSize, LIMITS.maxBatchSize)) return draft;
  if (limit !== undefined && !positiveInt(limit, LIMITS.maxSamples)) return draft;
  const epochs = courseEpochs(preset, { dataset: dataset as DatasetName, limit, batchSize });
  return epochs === draft.epochs ? draft : { ...draft, epochs };
}
