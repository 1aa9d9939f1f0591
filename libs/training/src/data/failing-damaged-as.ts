import { DATASET_LABELS, DatasetDamagedError, type FileDatasetName } from '@trainyard/contracts';
import { DatasetError } from './dataset.types';

/**
 * Runs a loader, turning any DatasetError it throws (a file named, with what is wrong) into a
 * DatasetDamagedError whose TA detail is that message plus `repair(file)`: the one place where
 * "a file of the set is bad" becomes "the set is damaged". The DatasetError stays as `cause`.
 */
export async function failingDamagedAs<T>(dataset: FileDatasetName, repair: (file: string) => string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!(error instanceof DatasetError)) throw error;
    throw new DatasetDamagedError(dataset, `${DATASET_LABELS[dataset]}: ${error.message}. ${repair(error.file)}`, { cause: error });
  }
}
