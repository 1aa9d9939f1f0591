import { DATASET_LABELS, type FileDatasetName } from './file-datasets';
import { DatasetUnavailableError } from './dataset-unavailable.error';

/**
 * A file-backed data set is not on this server and could not be downloaded (no network, a
 * mirror down, downloads disabled, a checksum mismatch). Only a TA can fix that (see
 * DatasetUnavailableError).
 *
 * `message` is for the student and names no server path ("CIFAR-10 is not installed on this
 * server; ask your TA"). `adminDetail` is for the TA: where the loader looked, why the download
 * failed, and the exact command or copy that installs the set.
 */
export class DatasetMissingError extends DatasetUnavailableError {
  readonly reason = 'missing' as const;

  constructor(dataset: FileDatasetName, adminDetail: string) {
    super(dataset, adminDetail, `${DATASET_LABELS[dataset]} is not installed on this server; ask your TA`);
  }
}
