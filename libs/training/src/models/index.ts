export * from './build-model';
export * from './model.types';
export { VGG_CFG } from './vgg16.model';
