import { mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as tar from 'tar';
import { resolveLayout, type ResolvedDataDir } from './data-dir-layout';
import { DatasetMissingError } from '@trainyard/contracts';
import { failingDamagedAs } from './failing-damaged-as';
import { DatasetError, nonCanonicalWarning, type Dataset, type ImageSet, type LoadOptions } from './dataset.types';
import { afterFailedDownload, downloadForLoader, md5OfFile, mirrorUrls, type DownloadSource } from './download';

export const CIFAR10_DIR = 'cifar10';
export const CIFAR10_BATCHES_DIR = 'cifar-10-batches-bin';
export const CIFAR10_ARCHIVE = 'cifar-10-binary.tar.gz';
export const CIFAR10_MIRRORS = ['https://www.cs.toronto.edu/~kriz/'];
/**
 * MD5 of the canonical `cifar-10-binary.tar.gz`, as published on https://www.cs.toronto.edu/~kriz/cifar.html
 * ("c32a1d4ab5d03f1284b67883e8d87530", beside the binary version's link). No checksum is
 * published for the batch files themselves; see CIFAR10_CHECKSUM_FILE.
 */
export const CIFAR10_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
/**
 * Written beside the batches when Trainyard extracts them from the verified archive: one
 * `<md5>  <file>` line per batch (md5sum's format, so `md5sum -c MD5SUMS` checks them too), so
 * `trainyard data verify` can tell a batch changed since.
 */
export const CIFAR10_CHECKSUM_FILE = 'MD5SUMS';
/** The canonical set's sizes: 50,000 train and 10,000 test images (Krizhevsky, 2009). */
export const CIFAR10_CANONICAL_COUNTS = { train: 50_000, test: 10_000 } as const;
export const CIFAR10_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
export const CIFAR10_TEST_FILES = ['test_batch.bin'];
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

const SIDE = 32;
const PLANE = SIDE * SIDE;
const IMAGE = 3 * PLANE;
/** Bytes of one record: one label byte, then the R, G and B planes of 32×32. */
export const CIFAR10_RECORD_BYTES = 1 + IMAGE;
const RECORD = CIFAR10_RECORD_BYTES;
const ALL_FILES = [...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES];

/**
 * Layouts accepted under the data directory, in order: Trainyard's own
 * (`<dataDir>/cifar10/cifar-10-batches-bin/`), the archive's folder directly in the data
 * directory (`<dataDir>/cifar-10-batches-bin/`, where `tar xzf cifar-10-binary.tar.gz` leaves
 * it), and the batch files directly in the data directory.
 */
export const CIFAR10_LAYOUTS = [{ subdir: join(CIFAR10_DIR, CIFAR10_BATCHES_DIR) }, { subdir: CIFAR10_BATCHES_DIR }, { subdir: '' }] as const;

export interface Cifar10Source extends DownloadSource {
  md5?: string;
}

/**
 * Where CIFAR-10's batches are under `dataDir` (see CIFAR10_LAYOUTS). Every reader of the set
 * (loader, `trainyard data`) goes through this one function.
 */
export function resolveCifar10Dir(dataDir: string): Promise<ResolvedDataDir> {
  return resolveLayout(dataDir, CIFAR10_LAYOUTS, ALL_FILES);
}

/**
 * What a TA does to install CIFAR-10 under `dataDir`: the command, or the copy. After a failed
 * download (`downloadFailed`), the copy first and a mirror, not the fetch that just failed.
 */
export function cifar10InstallHint(dataDir: string, { downloadFailed = false } = {}): string {
  if (downloadFailed) {
    const copy =
      `copy ${CIFAR10_ARCHIVE} into ${join(dataDir, CIFAR10_DIR)}/ (the next run verifies and unpacks it), ` +
      `or its ${ALL_FILES.join(', ')} into ${join(dataDir, CIFAR10_DIR, CIFAR10_BATCHES_DIR)}/`;
    return afterFailedDownload('cifar10', dataDir, copy);
  }
  return (
    `run \`trainyard data fetch cifar10 --data-dir ${dataDir}\`, or copy ${ALL_FILES.join(', ')} from ${CIFAR10_ARCHIVE} ` +
    `into ${join(dataDir, CIFAR10_DIR, CIFAR10_BATCHES_DIR)}/ (or ${join(dataDir, CIFAR10_BATCHES_DIR)}/, or ${dataDir}/ itself)`
  );
}

/**
 * What a TA does about a damaged CIFAR-10 file under `dataDir`: replace the archive, or the
 * batches (a fetch downloads the canonical set only when no batch is left anywhere).
 */
export function cifar10RepairHint(dataDir: string, file: string): string {
  const fetch = `\`trainyard data fetch cifar10 --data-dir ${dataDir}\``;
  const verify = `\`trainyard data verify --data-dir ${dataDir}\` checks the set against its checksums.`;
  if (basename(file) === CIFAR10_ARCHIVE) return `To repair it, delete ${file} and run ${fetch}; ${verify}`;
  return (
    `To repair it, copy an intact ${basename(file)} in its place, or remove ${ALL_FILES.join(', ')} from ${dirname(file)} ` +
    `and run ${fetch} (it downloads, checks and unpacks the canonical set); ${verify}`
  );
}

/**
 * The CIFAR-10 binary version, wherever resolveCifar10Dir finds it; when no batch is anywhere,
 * the archive is used or downloaded and extracted into `<dataDir>/cifar10/`. Any whole number of
 * records per file is accepted (a class subset in the same format), with a warning in
 * `warnings` and the log when the counts are not the canonical 50,000 / 10,000.
 * Throws DatasetMissingError when the set is absent (or incomplete) and cannot be downloaded,
 * DatasetDamagedError for a file that is there but unusable (its `cause`, a DatasetError, names
 * the file and what is wrong). Neither message names a server path; `adminDetail` does.
 */
export function loadCifar10Binary(options: LoadOptions, source: Cifar10Source = {}): Promise<Dataset> {
  return failingDamagedAs('cifar10', (file) => cifar10RepairHint(options.dataDir, file), () => readCifar10Binary(options, source));
}

async function readCifar10Binary(options: LoadOptions, source: Cifar10Source): Promise<Dataset> {
  let where = await resolveCifar10Dir(options.dataDir);
  const nothing = !Object.values(where.files).some(Boolean);
  if (nothing) {
    await fetchAndExtract(join(options.dataDir, CIFAR10_DIR), where, options, source);
    where = await resolveCifar10Dir(options.dataDir);
  }
  if (!where.complete) {
    const missing = ALL_FILES.filter((f) => !where.files[f]);
    throw new DatasetMissingError(
      'cifar10',
      `CIFAR-10: ${where.dir} lacks ${missing.join(', ')} (the set needs ${ALL_FILES.join(', ')}). To install it, ${cifar10InstallHint(options.dataDir)}.`,
    );
  }
  options.signal?.throwIfAborted();
  const dir = where.dir;
  const train = await readBatches(CIFAR10_TRAIN_FILES.map((f) => join(dir, f)));
  options.signal?.throwIfAborted();
  const test = await readBatches(CIFAR10_TEST_FILES.map((f) => join(dir, f)));
  options.log?.(`CIFAR-10: ${train.count} train / ${test.count} test images from ${dir}`);
  const warnings = nonCanonicalWarning('CIFAR-10', { train: train.count, test: test.count }, CIFAR10_CANONICAL_COUNTS);
  for (const warning of warnings) options.log?.(`warning: ${warning}`);
  return { name: 'cifar10', height: SIDE, width: SIDE, channels: 3, classNames: [...CIFAR10_CLASSES], train, test, ...(warnings.length ? { warnings } : {}) };
}

/** Records in a batch file of `size` bytes; throws DatasetError (naming the file and its size) unless whole records. */
export function cifar10Records(file: string, size: number): number {
  if (size === 0) throw new DatasetError(file, 'is empty');
  if (size % RECORD !== 0) {
    const whole = Math.floor(size / RECORD);
    throw new DatasetError(
      file,
      `size ${size} bytes is not a whole number of records: ${whole} whole record${whole === 1 ? '' : 's'} of ${RECORD} bytes (1 label byte + ${IMAGE} pixel bytes) and ${size % RECORD} bytes of a partial one`,
    );
  }
  return size / RECORD;
}

const isDirectory = (path: string) => stat(path).then((s) => s.isDirectory(), () => false);
const isFile = (path: string) => stat(path).then((s) => s.isFile(), () => false);

/**
 * Gets the archive (a verified one already in place, or a download), extracts it aside with an
 * MD5SUMS of its batches, and renames it in as `<root>/cifar-10-batches-bin/`.
 */
export async function fetchAndExtract(root: string, where: Pick<ResolvedDataDir, 'searched'>, options: LoadOptions, source: Cifar10Source = {}): Promise<void> {
  const archive = join(root, CIFAR10_ARCHIVE);
  const md5 = source.md5 ?? CIFAR10_MD5;
  const target = join(root, CIFAR10_BATCHES_DIR);
  const dataDir = options.dataDir;
  const missing = (why: string, downloadFailed = false) =>
    new DatasetMissingError(
      'cifar10',
      `CIFAR-10: no batch files in ${where.searched.join(', ')} and no ${archive}; ${why}. To install it, ${cifar10InstallHint(dataDir, { downloadFailed })}.`,
    );
  let downloaded = false;
  if (await isFile(archive)) {
    options.log?.(`Verifying ${archive}`);
    const actual = await md5OfFile(archive);
    if (actual !== md5) throw new DatasetError(archive, `MD5 mismatch: got ${actual}, expected ${md5}; delete it to download again`);
  } else if (options.download === false) {
    throw missing('downloading is disabled');
  } else {
    await downloadForLoader(
      {
        urls: mirrorUrls(source.mirrors ?? CIFAR10_MIRRORS, CIFAR10_ARCHIVE),
        md5,
        dest: archive,
        fetch: source.fetch,
        log: options.log,
        signal: options.signal,
        onProgress: options.onDownloadProgress,
      },
      missing,
    );
    downloaded = true;
  }

  // Extract into a private temp dir, then one rename: readers never see a half-extracted set.
  const temp = await mkdtemp(join(root, '.extract-'));
  try {
    options.log?.(`Extracting ${archive}`);
    const extracted = join(temp, CIFAR10_BATCHES_DIR);
    const problem = await tar
      .x({ file: archive, cwd: temp, strict: true, filter: (path) => path.replace(/^\.\//, '').startsWith(`${CIFAR10_BATCHES_DIR}/`) })
      .then(
        async () => ((await isDirectory(extracted)) ? null : `does not contain ${CIFAR10_BATCHES_DIR}/`),
        (error: Error) => `cannot extract: ${error.message}`,
      );
    if (problem) {
      // A download we made goes, so the next attempt fetches afresh; a file the user placed stays theirs.
      if (downloaded) await rm(archive, { force: true });
      throw new DatasetError(archive, downloaded ? problem : `${problem}; delete it to download again`);
    }
    // Checksums of what the verified archive held, renamed in with the batches: verify can later tell a changed file.
    const sums = await Promise.all(ALL_FILES.map(async (f) => `${await md5OfFile(join(extracted, f)).catch(() => null)}  ${f}`));
    await writeFile(join(extracted, CIFAR10_CHECKSUM_FILE), sums.filter((line) => !line.startsWith('null')).join('\n') + '\n');
    try {
      await rename(extracted, target);
    } catch (error) {
      // Another process finished the same extraction first: theirs is as good as ours.
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !(await isDirectory(target))) throw error;
    }
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  // The extracted batches are the cache; a downloaded archive would only double the disk used.
  if (downloaded) await rm(archive, { force: true });
}

/** Reads batch files into one NHWC set, validating sizes first so nothing is allocated for a bad set. */
async function readBatches(files: string[]): Promise<ImageSet> {
  const sizes: number[] = [];
  for (const file of files) {
    const size = await stat(file).then(
      (s) => s.size,
      (error: Error) => {
        throw new DatasetError(file, `cannot read: ${error.message}`);
      },
    );
    cifar10Records(file, size);
    sizes.push(size);
  }
  const count = sizes.reduce((sum, size) => sum + size / RECORD, 0);
  const images = new Uint8Array(count * IMAGE);
  const labels = new Uint8Array(count);
  let offset = 0;
  for (const [i, file] of files.entries()) {
    const buf = await readWhole(file, sizes[i]);
    offset = convertRecords(buf, file, images, labels, offset);
  }
  return { images, labels, count };
}

async function readWhole(file: string, size: number): Promise<Uint8Array> {
  const buf = await readFile(file).catch((error: Error) => {
    throw new DatasetError(file, `cannot read: ${error.message}`);
  });
  if (buf.length !== size) throw new DatasetError(file, `changed while reading: ${buf.length} bytes, was ${size}`);
  return buf;
}

/** Channel-planar records (label, R plane, G plane, B plane) → interleaved NHWC pixels. */
function convertRecords(buf: Uint8Array, file: string, images: Uint8Array, labels: Uint8Array, first: number): number {
  const records = buf.length / RECORD;
  for (let r = 0; r < records; r++) {
    const base = r * RECORD;
    const label = buf[base];
    if (label > 9) throw new DatasetError(file, `record ${r} has label ${label}; CIFAR-10 labels are 0..9`);
    labels[first + r] = label;
    const out = (first + r) * IMAGE;
    const red = base + 1;
    for (let p = 0; p < PLANE; p++) {
      images[out + p * 3] = buf[red + p];
      images[out + p * 3 + 1] = buf[red + PLANE + p];
      images[out + p * 3 + 2] = buf[red + 2 * PLANE + p];
    }
  }
  return first + records;
}
