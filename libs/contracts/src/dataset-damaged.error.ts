import { DATASET_LABELS, type FileDatasetName } from './file-datasets';
import { DatasetMissingError } from './dataset-missing.error';
import { DatasetUnavailableError } from './dataset-unavailable.error';

/**
 * A file-backed data set is on this server but a file of it is unusable (wrong magic number,
 * wrong size, truncated, corrupt gzip, a checksum that does not match, unreadable). A retry reads
 * the same file again, so only a TA can fix it (see DatasetUnavailableError).
 *
 * `message` is for the student and names no server path ("MNIST on this server is damaged or
 * unreadable; ask your TA"). `adminDetail` is for the TA: the file, what is wrong with it, and the
 * commands that check and repair the set (`trainyard data verify`, `trainyard data fetch`).
 */
export class DatasetDamagedError extends DatasetUnavailableError {
  readonly reason = 'damaged' as const;

  constructor(dataset: FileDatasetName, adminDetail: string, options?: ErrorOptions) {
    super(dataset, adminDetail, `${DATASET_LABELS[dataset]} on this server is damaged or unreadable; ask your TA`, options);
  }
}

/**
 * The DatasetUnavailableError subclass for `reason`, as serializeError's fields describe it (the
 * worker revives errors that crossed from the training process with this, so it classifies them
 * by class).
 */
export function datasetUnavailable(dataset: FileDatasetName, reason: DatasetUnavailableError['reason'], adminDetail: string): DatasetUnavailableError {
  return reason === 'damaged' ? new DatasetDamagedError(dataset, adminDetail) : new DatasetMissingError(dataset, adminDetail);
}
