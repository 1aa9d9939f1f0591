import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CIFAR10_ARCHIVE, CIFAR10_CANONICAL_COUNTS, CIFAR10_CHECKSUM_FILE, CIFAR10_DIR, CIFAR10_MD5, CIFAR10_TEST_FILES, CIFAR10_TRAIN_FILES, cifar10Records, loadCifar10Binary, resolveCifar10Dir } from './cifar10-binary.loader';
import type { ResolvedDataDir } from './data-dir-layout';
import type { FileDatasetName } from '@trainyard/contracts';
import type { LoadOptions, SplitCounts } from './dataset.types';
import { md5OfFile, type DownloadSource } from './download';
import { MNIST_CANONICAL_COUNTS, MNIST_FILES, MNIST_MD5, loadMnistIdx, readMaybeGzip, resolveMnistDir } from './mnist-idx.loader';

// What `trainyard data status | verify | fetch` reports, computed here so the CLI only formats it.

export interface DatasetStatus {
  name: FileDatasetName;
  /** Where the set is read from (see resolveMnistDir / resolveCifar10Dir), and that place relative to the data directory. */
  dir: string;
  layout: string;
  present: boolean;
  /** Missing files of the set, by canonical name. */
  missing: string[];
  /** Samples per split, when every file is there and readable; `problem` says why not otherwise. */
  counts?: SplitCounts;
  /** Counts equal the canonical set's (60,000 / 10,000 or 50,000 / 10,000). */
  canonical?: boolean;
  problem?: string;
}

export interface ChecksumCheck {
  file: string;
  expected: string;
  actual: string;
  ok: boolean;
  /** Where `expected` comes from. */
  source: string;
}

export interface DatasetVerification extends DatasetStatus {
  checks: ChecksumCheck[];
  /** Files no published checksum covers (e.g. uncompressed MNIST, batches copied in by hand). */
  unchecked: string[];
  ok: boolean;
}

/** MD5 overrides by file name, for a class's own mirror of a non-canonical set (`--checksums FILE`). */
export type ChecksumOverrides = Readonly<Record<string, string>>;

const resolve = (name: FileDatasetName, dataDir: string) => (name === 'mnist' ? resolveMnistDir(dataDir) : resolveCifar10Dir(dataDir));

/** Where a set is, whether it is whole, and its sample counts (read from headers and sizes, not parsed whole). */
export async function datasetStatus(name: FileDatasetName, dataDir: string): Promise<DatasetStatus> {
  const where = await resolve(name, dataDir);
  const missing = Object.entries(where.files)
    .filter(([, path]) => !path)
    .map(([file]) => file);
  const status: DatasetStatus = { name, dir: where.dir, layout: where.layout, present: where.complete, missing };
  if (!where.complete) return status;
  try {
    const counts = name === 'mnist' ? await mnistCounts(where) : await cifarCounts(where);
    const canonical = name === 'mnist' ? MNIST_CANONICAL_COUNTS : CIFAR10_CANONICAL_COUNTS;
    return { ...status, counts, canonical: counts.train === canonical.train && counts.test === canonical.test };
  } catch (error) {
    return { ...status, problem: (error as Error).message };
  }
}

async function mnistCounts(where: ResolvedDataDir): Promise<SplitCounts> {
  // The image count is the idx header's second word; gzipped files are small enough to inflate.
  const count = async (file: string) => Buffer.from(await readMaybeGzip(where.files[file]!)).readUInt32BE(4);
  return { train: await count(MNIST_FILES[0]), test: await count(MNIST_FILES[2]) };
}

async function cifarCounts(where: ResolvedDataDir): Promise<SplitCounts> {
  const records = async (files: string[]) => {
    let n = 0;
    for (const f of files) n += cifar10Records(where.files[f]!, (await stat(where.files[f]!)).size);
    return n;
  };
  return { train: await records(CIFAR10_TRAIN_FILES), test: await records(CIFAR10_TEST_FILES) };
}

/**
 * Status plus checksums. MNIST: each `.gz` against torchvision's published MD5 (MNIST_MD5).
 * CIFAR-10: the archive, when present, against the published MD5 (CIFAR10_MD5), and each batch
 * against the MD5SUMS Trainyard wrote when it extracted a verified archive. `ok` is false on any
 * mismatch or unreadable file; a non-canonical set is reported (`canonical: false`), not failed.
 */
export async function verifyDataset(name: FileDatasetName, dataDir: string, overrides: ChecksumOverrides = {}): Promise<DatasetVerification> {
  const status = await datasetStatus(name, dataDir);
  const where = await resolve(name, dataDir);
  const checks: ChecksumCheck[] = [];
  const unchecked: string[] = [];
  const check = async (path: string, expected: string, source: string) => {
    const actual = await md5OfFile(path);
    checks.push({ file: path, expected, actual, ok: actual === expected.toLowerCase(), source });
  };
  if (name === 'mnist') {
    for (const file of MNIST_FILES) {
      const path = where.files[file];
      if (!path) continue;
      const published = overrides[basename(path)] ?? MNIST_MD5[basename(path)];
      if (path.endsWith('.gz') && published) await check(path, published, overrides[basename(path)] ? '--checksums' : "torchvision's published MD5");
      else unchecked.push(path);
    }
  } else {
    const archive = join(dataDir, CIFAR10_DIR, CIFAR10_ARCHIVE);
    if (await stat(archive).then((s) => s.isFile(), () => false)) await check(archive, overrides[CIFAR10_ARCHIVE] ?? CIFAR10_MD5, 'the published MD5');
    const sums = await readFile(join(where.dir, CIFAR10_CHECKSUM_FILE), 'utf8').then(parseMd5Sums, () => new Map<string, string>());
    for (const [file, path] of Object.entries(where.files)) {
      if (!path) continue;
      const expected = overrides[file] ?? sums.get(file);
      if (expected) await check(path, expected, overrides[file] ? '--checksums' : `${CIFAR10_CHECKSUM_FILE} (written when the verified archive was extracted)`);
      else unchecked.push(path);
    }
  }
  return { ...status, checks, unchecked, ok: !status.problem && checks.every((c) => c.ok) };
}

function parseMd5Sums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([0-9a-f]{32}) [ *](.+)$/i.exec(line.trim());
    if (match) sums.set(match[2], match[1].toLowerCase());
  }
  return sums;
}

export interface FetchOptions extends Pick<LoadOptions, 'signal' | 'log' | 'onDownloadProgress'> {
  dataDir: string;
  /** Base URLs to fetch from instead of the canonical mirrors (a class's own mirror). */
  mirrors?: readonly string[];
  overrides?: ChecksumOverrides;
  fetch?: DownloadSource['fetch'];
}

/**
 * Installs a set: downloads what is missing (verified by MD5, written to a temp file and renamed
 * into place, so nothing half-written stays on failure or abort), then reads it whole with the
 * training loader, so a set that fetch reports installed is one a run can load. Throws
 * DatasetMissingError when the download fails, DatasetDamagedError for an unusable file.
 */
export async function fetchDataset(name: FileDatasetName, options: FetchOptions): Promise<DatasetVerification> {
  const load: LoadOptions = { dataDir: options.dataDir, signal: options.signal, log: options.log, onDownloadProgress: options.onDownloadProgress };
  const overrides = options.overrides ?? {};
  if (name === 'mnist') {
    await loadMnistIdx(load, { mirrors: options.mirrors, fetch: options.fetch, md5: { ...MNIST_MD5, ...overrides } });
  } else {
    await loadCifar10Binary(load, { mirrors: options.mirrors, fetch: options.fetch, md5: overrides[CIFAR10_ARCHIVE] ?? CIFAR10_MD5 });
  }
  return verifyDataset(name, options.dataDir, overrides);
}
