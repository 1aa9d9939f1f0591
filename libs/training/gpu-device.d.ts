// See gpu-device.js: the types of `@trainyard/training/gpu-device`.
export * from './dist/backend/gpu-device';
