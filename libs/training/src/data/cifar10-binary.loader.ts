import { mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as tar from 'tar';
import { DatasetError, type Dataset, type ImageSet, type LoadOptions } from './dataset.types';
import { downloadFile, md5OfFile, mirrorUrls, type DownloadSource } from './download';

export const CIFAR10_DIR = 'cifar10';
export const CIFAR10_BATCHES_DIR = 'cifar-10-batches-bin';
export const CIFAR10_ARCHIVE = 'cifar-10-binary.tar.gz';
export const CIFAR10_MIRRORS = ['https://www.cs.toronto.edu/~kriz/'];
export const CIFAR10_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
export const CIFAR10_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
export const CIFAR10_TEST_FILES = ['test_batch.bin'];
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

const SIDE = 32;
const PLANE = SIDE * SIDE;
const IMAGE = 3 * PLANE;
const RECORD = 1 + IMAGE; // one label byte, then R, G and B planes of 32×32
const CANONICAL_RECORDS = 10_000;

export interface Cifar10Source extends DownloadSource {
  md5?: string;
  /** Records every batch file must hold: 10,000 in the canonical set; null accepts any count (tests). */
  recordsPerFile?: number | null;
}

/** The CIFAR-10 binary version from `<dataDir>/cifar10/cifar-10-batches-bin/`, downloaded when absent. */
export async function loadCifar10Binary(options: LoadOptions, source: Cifar10Source = {}): Promise<Dataset> {
  const root = join(options.dataDir, CIFAR10_DIR);
  const dir = join(root, CIFAR10_BATCHES_DIR);
  if (!(await isDirectory(dir))) await fetchAndExtract(root, options, source);
  options.signal?.throwIfAborted();
  const expected = source.recordsPerFile === undefined ? CANONICAL_RECORDS : source.recordsPerFile;
  const train = await readBatches(CIFAR10_TRAIN_FILES.map((f) => join(dir, f)), expected);
  options.signal?.throwIfAborted();
  const test = await readBatches(CIFAR10_TEST_FILES.map((f) => join(dir, f)), expected);
  options.log?.(`CIFAR-10: ${train.count} train / ${test.count} test images from ${dir}`);
  return { name: 'cifar10', height: SIDE, width: SIDE, channels: 3, classNames: [...CIFAR10_CLASSES], train, test };
}

const isDirectory = (path: string) => stat(path).then((s) => s.isDirectory(), () => false);
const isFile = (path: string) => stat(path).then((s) => s.isFile(), () => false);

/** Gets the archive (a verified one already in place, or a download), extracts it aside, renames it in. */
async function fetchAndExtract(root: string, options: LoadOptions, source: Cifar10Source): Promise<void> {
  const archive = join(root, CIFAR10_ARCHIVE);
  const md5 = source.md5 ?? CIFAR10_MD5;
  const target = join(root, CIFAR10_BATCHES_DIR);
  let downloaded = false;
  if (await isFile(archive)) {
    options.log?.(`Verifying ${archive}`);
    const actual = await md5OfFile(archive);
    if (actual !== md5) throw new DatasetError(archive, `MD5 mismatch: got ${actual}, expected ${md5}; delete it to download again`);
  } else if (options.download === false) {
    throw new DatasetError(join(target, CIFAR10_TRAIN_FILES[0]), `missing (and no ${CIFAR10_ARCHIVE} in ${root}; downloading is disabled)`);
  } else {
    await downloadFile({
      urls: mirrorUrls(source.mirrors ?? CIFAR10_MIRRORS, CIFAR10_ARCHIVE),
      md5,
      dest: archive,
      fetch: source.fetch,
      log: options.log,
      signal: options.signal,
    });
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
async function readBatches(files: string[], expectedRecords: number | null): Promise<ImageSet> {
  const sizes: number[] = [];
  for (const file of files) {
    const size = await stat(file).then(
      (s) => s.size,
      () => {
        throw new DatasetError(file, `missing: the CIFAR-10 binary set needs ${[...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES].join(', ')}`);
      },
    );
    checkSize(file, size, expectedRecords);
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

function checkSize(file: string, size: number, expectedRecords: number | null): void {
  if (size === 0) throw new DatasetError(file, 'is empty');
  if (size % RECORD !== 0) {
    throw new DatasetError(file, `size ${size} bytes is not a multiple of ${RECORD} (1 label byte + ${IMAGE} pixel bytes per record)`);
  }
  if (expectedRecords !== null && size / RECORD !== expectedRecords) {
    throw new DatasetError(file, `holds ${size / RECORD} records, expected ${expectedRecords}`);
  }
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
