export * from './dataset.types';
// The classes live in libs/contracts (the worker's main process classifies them without TF.js); re-exported for the loaders' callers.
export { DatasetUnavailableError, DatasetMissingError, DatasetDamagedError, datasetUnavailable, type DatasetUnavailableReason } from '@trainyard/contracts';
export * from './failing-damaged-as';
export * from './data-dir-layout';
export * from './download';
export * from './mnist-idx.loader';
export * from './mnist-bundled.loader';
export * from './cifar10-binary.loader';
export * from './synthetic.loader';
export * from './load-dataset';
export * from './batches';
export * from './dataset-inventory';
