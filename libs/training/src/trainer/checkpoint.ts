import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { EpochSummary, ExperimentSpec } from '@trainyard/contracts';
import type { RngState } from '../random';
import { CheckpointMismatchError } from './checkpoint-mismatch.error';
import type { NamedTensor } from './optimizer.factory';

/** The one file a checkpoint directory holds; replaced atomically, so it is always whole. */
export const CHECKPOINT_FILE = 'checkpoint.bin';
// Bumped when the layout changes; a file of another version is refused, never half-read.
const MAGIC = 'TRAINYARD-CHECKPOINT-1\n';

/**
 * Everything a run needs to continue exactly as if it had never stopped.
 * Resume is batch-exact: at an epoch boundary `batchesDone` is 0 and `order` null; after an
 * abort mid-epoch they hold the epoch's sample order and how many of its batches were trained.
 */
export interface CheckpointState {
  /** sha256 of the canonical spec JSON (specHash): a checkpoint resumes only the spec it was made for. */
  specHash: string;
  /** Epochs fully trained and reported (their `epoch` events were emitted). */
  epochsDone: number;
  /** Batches of epoch `epochsDone + 1` already trained (0 at an epoch boundary). */
  batchesDone: number;
  /** Position of the generator behind shuffles, crops and flips, after the last trained batch. */
  rng: RngState;
  /** The current epoch's sample order when resuming mid-epoch (null: draw it, or no shuffle). */
  order: Int32Array | null;
  /** The pixel permutation the run applies (null: none); checked on resume. */
  pixelPermutation: Int32Array | null;
  /** Running sums of the current epoch, so its summary matches an uninterrupted epoch's. */
  running: { lossSum: number; correctSum: number; seen: number; trainMs: number };
  /** Seconds spent training in earlier epochs (for samplesPerSec). */
  trainSeconds: number;
  /** The summaries of the epochs done, for the final result. */
  epochs: EpochSummary[];
  /** Model weights in model.weights order: trainable ones and BatchNorm moving mean/variance. */
  weights: tf.Tensor[];
  /** optimizerState(): step count, momentum buffers or Adam moments and β powers. */
  optimizer: NamedTensor[];
}

interface Header extends Omit<CheckpointState, 'order' | 'pixelPermutation' | 'weights' | 'optimizer'> {
  order: string | null;
  pixelPermutation: string | null;
  weightCount: number;
  optimizerNames: string[];
  specs: tf.io.WeightsManifestEntry[];
}

/**
 * sha256 hex of the spec with object keys sorted: the same spec gives the same hash in any
 * process, whatever order its fields were written in.
 */
export function specHash(spec: ExperimentSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Writes the checkpoint atomically: a temporary file in the same directory, fsync'd, renamed
 * over `dir/checkpoint.bin`, then the directory fsync'd so the rename survives a power cut.
 * A crash at any point leaves either the previous checkpoint or the new one, never a mix.
 * Does not dispose the tensors it is given.
 */
export async function writeCheckpoint(dir: string, state: CheckpointState): Promise<void> {
  const named: NamedTensor[] = [
    ...state.weights.map((tensor, i) => ({ name: `weight/${i}`, tensor })),
    ...state.optimizer.map((t, i) => ({ name: `optimizer/${i}`, tensor: t.tensor })),
  ];
  const { data, specs } = await tf.io.encodeWeights(named);
  const header: Header = {
    specHash: state.specHash,
    epochsDone: state.epochsDone,
    batchesDone: state.batchesDone,
    rng: state.rng,
    order: state.order ? int32ToBase64(state.order) : null,
    pixelPermutation: state.pixelPermutation ? int32ToBase64(state.pixelPermutation) : null,
    running: state.running,
    trainSeconds: state.trainSeconds,
    epochs: state.epochs,
    weightCount: state.weights.length,
    optimizerNames: state.optimizer.map((t) => t.name),
    specs,
  };
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  await fs.mkdir(dir, { recursive: true });
  const target = path.join(dir, CHECKPOINT_FILE);
  const tmp = path.join(dir, `.${CHECKPOINT_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const file = await fs.open(tmp, 'w');
  try {
    await file.writev([Buffer.from(MAGIC), length, json, Buffer.from(data)]);
    await file.sync();
  } catch (err) {
    await file.close();
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await file.close();
  await fs.rename(tmp, target);
  await syncDir(dir);
}

/**
 * The checkpoint in `dir`, or null when there is none. The returned tensors are the caller's to
 * dispose. A file that is not a whole checkpoint of this version throws CheckpointMismatchError.
 */
export async function readCheckpoint(dir: string): Promise<CheckpointState | null> {
  const file = path.join(dir, CHECKPOINT_FILE);
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const magic = Buffer.from(MAGIC);
  if (buf.length < magic.length + 4 || !buf.subarray(0, magic.length).equals(magic)) {
    throw new CheckpointMismatchError(file, 'not a Trainyard checkpoint of this version');
  }
  const jsonLength = buf.readUInt32LE(magic.length);
  const jsonStart = magic.length + 4;
  let header: Header;
  try {
    header = JSON.parse(buf.subarray(jsonStart, jsonStart + jsonLength).toString('utf8')) as Header;
  } catch {
    throw new CheckpointMismatchError(file, 'the checkpoint header is not valid JSON');
  }
  const dataStart = jsonStart + jsonLength;
  const expected = header.specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (buf.length - dataStart !== expected) {
    throw new CheckpointMismatchError(file, `holds ${buf.length - dataStart} bytes of tensors, expected ${expected}`);
  }
  const data = new Uint8Array(buf.subarray(dataStart)).buffer;
  const tensors = tf.io.decodeWeights(data, header.specs);
  const weights = Array.from({ length: header.weightCount }, (_, i) => tensors[`weight/${i}`]);
  const optimizer = header.optimizerNames.map((name, i) => ({ name, tensor: tensors[`optimizer/${i}`] }));
  return {
    specHash: header.specHash,
    epochsDone: header.epochsDone,
    batchesDone: header.batchesDone,
    rng: header.rng,
    order: header.order === null ? null : base64ToInt32(header.order),
    pixelPermutation: header.pixelPermutation === null ? null : base64ToInt32(header.pixelPermutation),
    running: header.running,
    trainSeconds: header.trainSeconds,
    epochs: header.epochs,
    weights,
    optimizer,
  };
}

/** Frees the tensors of a checkpoint read with readCheckpoint(). */
export function disposeCheckpoint(state: CheckpointState): void {
  tf.dispose(state.weights);
  tf.dispose(state.optimizer.map((t) => t.tensor));
}

/**
 * Removes the checkpoint (and any temporary file a crash left) from `dir`, and `dir` itself when
 * that leaves it empty. Call it once the run's result is stored: completed, failed for good or
 * cancelled. Missing files are not an error.
 */
export async function deleteCheckpoint(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const ours = names.filter((n) => n === CHECKPOINT_FILE || (n.startsWith(`.${CHECKPOINT_FILE}.`) && n.endsWith('.tmp')));
  await Promise.all(ours.map((n) => fs.rm(path.join(dir, n), { force: true })));
  if (ours.length === names.length) await fs.rmdir(dir).catch(() => undefined);
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const int32ToBase64 = (a: Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

function base64ToInt32(s: string): Int32Array {
  const b = Buffer.from(s, 'base64');
  // Copy into a fresh, aligned buffer: Buffer's pool offset need not be a multiple of 4.
  const out = new Int32Array(b.length / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}
