export * from './dataset.types';
export * from './download';
export * from './mnist-idx.loader';
export * from './mnist-bundled.loader';
export * from './cifar10-binary.loader';
export * from './synthetic.loader';
export * from './load-dataset';
export * from './batches';
