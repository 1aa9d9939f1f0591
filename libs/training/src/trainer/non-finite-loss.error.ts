// Defined in libs/contracts, so the worker's main process classifies it without loading TF.js.
export { NonFiniteLossError } from '@trainyard/contracts';
