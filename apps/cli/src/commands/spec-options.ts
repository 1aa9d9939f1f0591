import { InvalidArgumentError, type Command } from 'commander';
import { BACKEND_CHOICES, DATASET_NAMES, PRESET_NAMES, type BackendChoice } from '@trainyard/contracts';

export interface SpecFlags {
  preset: string;
  dataset?: string;
  dataDir?: string;
  epochs?: number;
  limit?: number;
  testLimit?: number;
  seed?: number;
  backend?: BackendChoice;
  /** commander's `--no-download` sets this to false. */
  download: boolean;
  json?: boolean;
}

export function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return n;
}

function oneOf<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${choices.join(', ')}`);
    return value as T;
  };
}

/** Flags shared by every command that builds a spec from a preset. */
export function specOptions(cmd: Command, { preset = true } = {}): Command {
  if (preset) cmd.requiredOption('--preset <name>', `one of ${PRESET_NAMES.join(', ')}`);
  return cmd
    .option('--dataset <name>', `override the data set: ${DATASET_NAMES.join(', ')}`, oneOf(DATASET_NAMES))
    .option('--data-dir <dir>', 'where mnist/cifar10 files live (default: DATA_DIR or .trainyard/data)')
    .option('--no-download', 'fail instead of downloading missing mnist/cifar10 files')
    .option('--epochs <n>', 'override the number of epochs', integer)
    .option('--limit <n>', 'use only the first N training samples', integer)
    .option('--test-limit <n>', 'use only the first N test samples', integer)
    .option('--seed <n>', 'seed for initialisation, shuffling and augmentation', integer)
    .option('--backend <name>', `TF.js backend: ${BACKEND_CHOICES.join(', ')}`, oneOf(BACKEND_CHOICES));
}

/** The overrides a command line asks for, in the request shape the API accepts too. */
export function overridesFrom(flags: SpecFlags): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (flags.dataset !== undefined) o.dataset = flags.dataset;
  if (flags.epochs !== undefined) o.epochs = flags.epochs;
  if (flags.limit !== undefined) o.limit = flags.limit;
  if (flags.testLimit !== undefined) o.testLimit = flags.testLimit;
  if (flags.seed !== undefined) o.seed = flags.seed;
  return o;
}
