export * from './image-shape';
export * from './pixel-permutation';
export * from './random-crop';
export * from './horizontal-flip';
export * from './normalize';
export * from './transform-plan';
