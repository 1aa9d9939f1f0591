import * as fs from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { BACKEND_CHOICES, DATASET_NAMES, HEAD_KINDS, mergeOverrides, PRESET_NAMES, type BackendChoice } from '@trainyard/contracts';

export interface SpecFlags {
  preset?: string;
  spec?: string;
  dataset?: string;
  dataDir?: string;
  epochs?: number;
  limit?: number;
  testLimit?: number;
  seed?: number;
  backend?: BackendChoice;
  /** commander's `--no-download` sets this to false. */
  download: boolean;
  /** commander's `--no-shuffle` sets this to false. */
  shuffle?: boolean;
  /** commander's `--no-normalize` sets this to false. */
  normalize?: boolean;
  head?: string;
  lr?: number;
  batchSize?: number;
  optimizer?: string;
  json?: boolean;
}

export function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return n;
}

function decimal(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${value}"`);
  return n;
}

function oneOf<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${choices.join(', ')}`);
    return value as T;
  };
}

/** The flags that set where and how this process trains: they mean nothing to a run on the queue. */
export const LOCAL_RUN_FLAGS = ['backend', 'dataDir', 'download'] as const;

/**
 * Flags shared by every command that builds a spec from a preset (or a --spec file). Ranges are
 * left to the one spec schema (libs/contracts), whose messages name the field; here only the type
 * of each value is parsed. `local: false` (submit, report on the queue) still parses the flags that
 * only mean something to a process that trains, hidden from --help, so that refuseFlags can say
 * why they do not apply rather than commander's bare "unknown option".
 */
export function specOptions(cmd: Command, { preset = true, local = true } = {}): Command {
  if (preset) {
    cmd
      .option('--preset <name>', `one of ${PRESET_NAMES.join(', ')}`)
      .option('--spec <file>', 'a JSON file: a full spec, or {"preset": …, …overrides}; the flags below override it');
  }
  const localOnly = (option: Option) => cmd.addOption(local ? option : option.hideHelp());
  cmd
    .option('--dataset <name>', `override the data set: ${DATASET_NAMES.join(', ')}`, oneOf(DATASET_NAMES))
    .option('--epochs <n>', 'override the number of epochs', integer)
    .option('--limit <n>', 'use only the first N training samples', integer)
    .option('--test-limit <n>', 'use only the first N test samples', integer)
    .option('--seed <n>', 'seed for initialisation, shuffling and augmentation', integer)
    .option('--batch-size <n>', 'training batch size', integer)
    .option('--lr <x>', 'learning rate', decimal)
    .option('--optimizer <type>', 'sgd or adam (a change of type needs --lr too)')
    .option('--head <kind>', `the CNN's classifier head: ${HEAD_KINDS.join(', ')} (1×1 convolutions + global average pooling)`)
    .option('--no-shuffle', 'train on the same order every epoch')
    .option('--no-normalize', "train on the raw [0, 1] pixels, without the preset's (x − mean) / std");
  localOnly(new Option('--data-dir <dir>', 'where mnist/cifar10 files live (default: DATA_DIR or .trainyard/data)'));
  localOnly(new Option('--no-download', 'fail instead of downloading missing mnist/cifar10 files'));
  localOnly(new Option('--backend <name>', `TF.js backend: ${BACKEND_CHOICES.join(', ')}`).argParser(oneOf(BACKEND_CHOICES)));
  return cmd;
}

/**
 * Refuses flags given on the command line that this command cannot honour, naming them and why,
 * rather than accepting and ignoring them. `names` are commander's option keys (`dataDir`).
 * Throws a plain Error (main.ts prints it, exit 1): commander's own errors exit without a word.
 */
export function refuseFlags(cmd: Command, names: readonly string[], why: string): void {
  const given = cmd.options.filter((o) => names.includes(o.attributeName()) && cmd.getOptionValueSource(o.attributeName()) === 'cli');
  if (given.length) throw new Error(`${given.map((o) => o.long).join(', ')}: ${why}`);
}

/** The overrides a command line asks for, in the request shape the API accepts too (null removes a preset's field). */
export function overridesFrom(flags: Omit<SpecFlags, 'preset'>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (flags.dataset !== undefined) o.dataset = flags.dataset;
  if (flags.epochs !== undefined) o.epochs = flags.epochs;
  if (flags.limit !== undefined) o.limit = flags.limit;
  if (flags.testLimit !== undefined) o.testLimit = flags.testLimit;
  if (flags.seed !== undefined) o.seed = flags.seed;
  if (flags.batchSize !== undefined) o.batchSize = flags.batchSize;
  if (flags.shuffle === false) o.shuffle = false;
  if (flags.normalize === false) o.transforms = { normalize: null };
  if (flags.head !== undefined) o.model = { head: flags.head };
  if (flags.optimizer !== undefined || flags.lr !== undefined) {
    o.optimizer = { ...(flags.optimizer !== undefined ? { type: flags.optimizer } : {}), ...(flags.lr !== undefined ? { lr: flags.lr } : {}) };
  }
  return o;
}

/**
 * The request a command line describes: `--preset` or `--spec FILE` (exactly one), with the
 * flags' overrides merged on top, field by field. The result is for resolveExperimentRequest (or
 * the API), which validates it against the one schema.
 */
export function requestFrom(flags: SpecFlags): Record<string, unknown> {
  if (!flags.preset === !flags.spec) throw new Error('give one of --preset NAME or --spec FILE');
  const overrides = overridesFrom(flags);
  if (flags.preset) return { preset: flags.preset, ...overrides };
  let text: string;
  try {
    text = fs.readFileSync(flags.spec!, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the spec file ${flags.spec}: ${(err as Error).message}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new Error(`the spec file ${flags.spec} is not JSON: ${(err as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error(`the spec file ${flags.spec} must hold one JSON object`);
  // A full spec has no preset to remove fields from, so the flags' nulls are applied here.
  return { ...mergeOverrides(body as Record<string, unknown>, overrides) };
}
