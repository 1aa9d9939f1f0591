import { createHash } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATASET_LABELS, DatasetDamagedError, DatasetMissingError, type FileDatasetName } from '@trainyard/contracts';
import { DatasetError } from '../dataset.types';

export const tempDir = (prefix = 'trainyard-data-') => mkdtemp(join(tmpdir(), prefix));

export const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex');

/** An idx3-ubyte images file: big-endian header (magic, count, rows, cols), then bytes. */
export function idxImages(count: number, rows: number, cols: number, pixel: (image: number, p: number) => number, magic = 2051): Buffer {
  const buf = Buffer.alloc(16 + count * rows * cols);
  buf.writeUInt32BE(magic, 0);
  buf.writeUInt32BE(count, 4);
  buf.writeUInt32BE(rows, 8);
  buf.writeUInt32BE(cols, 12);
  for (let i = 0; i < count; i++) for (let p = 0; p < rows * cols; p++) buf[16 + i * rows * cols + p] = pixel(i, p);
  return buf;
}

export function idxLabels(labels: number[], magic = 2049): Buffer {
  const buf = Buffer.alloc(8 + labels.length);
  buf.writeUInt32BE(magic, 0);
  buf.writeUInt32BE(labels.length, 4);
  labels.forEach((l, i) => (buf[8 + i] = l));
  return buf;
}

/** A CIFAR-10 binary batch: per record one label byte, then the R, G, B planes of 32×32. */
export function cifarBatch(labels: number[], value: (record: number, channel: number, p: number) => number): Buffer {
  const buf = Buffer.alloc(labels.length * 3073);
  labels.forEach((label, r) => {
    buf[r * 3073] = label;
    for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) buf[r * 3073 + 1 + c * 1024 + p] = value(r, c, p);
  });
  return buf;
}

/** Awaits a load that must fail, and checks that it failed with an error of `kind`; returns that error. */
export async function failureOf<E extends Error>(promise: Promise<unknown>, kind: abstract new (...args: never[]) => E): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(kind);
  return error as E;
}

/**
 * Awaits a load that must fail on a damaged file of `dataset`: a DatasetDamagedError whose message
 * (the student's) names no server path and whose TA detail names the file, what is wrong and the
 * commands that check and repair the set. Returns its cause, the DatasetError naming the file.
 */
export async function damagedFailure(dataset: FileDatasetName, promise: Promise<unknown>): Promise<DatasetError> {
  const damaged = await failureOf(promise, DatasetDamagedError);
  expect(damaged.message).toBe(`${DATASET_LABELS[dataset]} on this server is damaged or unreadable; ask your TA`);
  expect(damaged.reason).toBe('damaged');
  expect(damaged.cause).toBeInstanceOf(DatasetError);
  const cause = damaged.cause as DatasetError;
  expect(damaged.adminDetail).toContain(cause.message);
  expect(damaged.adminDetail).toMatch(/`trainyard data verify --data-dir [^`]+`/);
  expect(damaged.adminDetail).toContain(`\`trainyard data fetch ${dataset} --data-dir `);
  return cause;
}

/**
 * Checks the TA's advice after a download of `dataset` failed: not the fetch that just failed, but
 * a copy of the exact files into the exact directory (`copies`, the lines naming them) and, after
 * it (a copy needs no network at all), a fetch from a mirror, with its checksums.
 */
export function expectAdviceAfterFailedDownload(error: DatasetMissingError, dataset: FileDatasetName, dataDir: string, copies: string[]): void {
  const advice = error.adminDetail.slice(error.adminDetail.indexOf('To install it'));
  expect(advice).not.toContain(`run \`trainyard data fetch ${dataset} --data-dir ${dataDir}\``);
  expect(advice).toContain(`\`trainyard data fetch ${dataset} --data-dir ${dataDir} --mirror URL\``);
  expect(advice).toContain('--checksums FILE');
  for (const copy of copies) expect(advice).toContain(copy);
  expect(advice.indexOf('copy')).toBeLessThan(advice.indexOf('--mirror'));
}
