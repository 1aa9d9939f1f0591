export { initBackend, BackendUnavailableError } from './backend-selection';
export { registerWasmTrainingKernels } from './wasm-training-kernels';
export { checkGpus, inspectGpus, parseLibtensorflowBuild, type GpuCheck, type LibtensorflowBuild } from './gpu-device';
