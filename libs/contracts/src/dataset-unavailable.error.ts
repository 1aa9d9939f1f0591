import type { FileDatasetName } from './file-datasets';

/** Why a file-backed data set cannot be used: it is not installed, or a file of it is unusable. */
export type DatasetUnavailableReason = 'missing' | 'damaged';

/**
 * A file-backed data set that this server cannot train on until a TA acts: no retry of the run
 * fixes it, so the worker fails the run at once (apps/worker/src/job-errors.ts classifies by this
 * class). In libs/contracts, not libs/training, so the worker's main process (which never
 * trains) can classify them without loading TF.js. Subclasses: DatasetMissingError (absent, and not downloadable), DatasetDamagedError (a
 * file is there but unusable: wrong magic number, truncated, corrupt gzip, bad checksum).
 *
 * `message` is for the student and names no server path. `adminDetail` is for the TA: the paths,
 * what is wrong, and the command that fixes it; the worker logs it and stores it as the record's
 * `adminNote` (admins only). serializeError/reviveError carry `dataset`, `reason` and
 * `adminDetail` across the training-process boundary and revive the same subclass.
 */
export abstract class DatasetUnavailableError extends Error {
  abstract readonly reason: DatasetUnavailableReason;

  protected constructor(
    readonly dataset: FileDatasetName,
    readonly adminDetail: string,
    studentMessage: string,
    options?: ErrorOptions,
  ) {
    super(studentMessage, options);
    this.name = new.target.name;
  }
}
