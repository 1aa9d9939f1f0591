export { initBackend, BackendUnavailableError } from './backend-selection';
export { registerWasmTrainingKernels } from './wasm-training-kernels';
