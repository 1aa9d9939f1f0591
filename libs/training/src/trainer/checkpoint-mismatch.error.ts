// Defined in libs/contracts, so every process revives it as its class (see reviveError in apps/worker).
export { CheckpointMismatchError } from '@trainyard/contracts';
