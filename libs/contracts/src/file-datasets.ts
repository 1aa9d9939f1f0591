import type { DatasetName } from './experiment-spec.schema';

/**
 * The data sets read from files in the data directory (downloaded, or copied in by a TA), with
 * the names students see; `mnist-bundled` and `synthetic` need no files. Here, not in
 * libs/training, so the CLI can name them without loading TF.js.
 */
export const DATASET_LABELS = { mnist: 'MNIST', cifar10: 'CIFAR-10' } as const satisfies Partial<Record<DatasetName, string>>;
export type FileDatasetName = keyof typeof DATASET_LABELS;
export const FILE_DATASETS: readonly FileDatasetName[] = ['mnist', 'cifar10'];
