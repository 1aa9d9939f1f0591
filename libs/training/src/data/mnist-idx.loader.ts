import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { DatasetError, nonCanonicalWarning, type Dataset, type ImageSet, type LoadOptions } from './dataset.types';
import { resolveLayout, type ResolvedDataDir } from './data-dir-layout';
import { DatasetMissingError } from '@trainyard/contracts';
import { failingDamagedAs } from './failing-damaged-as';
import { afterFailedDownload, downloadForLoader, mirrorUrls, type DownloadSource } from './download';

const gunzipAsync = promisify(gunzip);

export const MNIST_DIR = 'mnist';
export const MNIST_MIRRORS = ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'https://storage.googleapis.com/cvdf-datasets/mnist/'];
export const MNIST_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
/** The canonical set's sizes: 60,000 train and 10,000 test images (LeCun et al.; torchvision's MNIST). */
export const MNIST_CANONICAL_COUNTS = { train: 60_000, test: 10_000 } as const;
/**
 * Layouts accepted under the data directory, in order: Trainyard's own (`<dataDir>/mnist/`),
 * torchvision's (`<dataDir>/MNIST/raw/`, what `torchvision.datasets.MNIST(root)` leaves), and the
 * four files directly in the data directory.
 */
export const MNIST_LAYOUTS = [{ subdir: MNIST_DIR }, { subdir: join('MNIST', 'raw') }, { subdir: '' }] as const;
/**
 * MD5 of the canonical `.gz` files, as published in torchvision's `MNIST.resources`
 * (torchvision/datasets/mnist.py). No checksum is published for the uncompressed files.
 */
export const MNIST_MD5: Readonly<Record<string, string>> = {
  'train-images-idx3-ubyte.gz': 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
  'train-labels-idx1-ubyte.gz': 'd53e105ee54ea40749a09fcbcd1e9432',
  't10k-images-idx3-ubyte.gz': '9fb629c4189551a2d022fa330f9573f3',
  't10k-labels-idx1-ubyte.gz': 'ec29112dd5afa0611ce80d1b7f02629c',
};
export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

const IMAGES_MAGIC = 2051;
const LABELS_MAGIC = 2049;

export interface MnistIdxSource extends DownloadSource {
  /** MD5 per `.gz` file name; defaults to MNIST_MD5. */
  md5?: Readonly<Record<string, string>>;
}

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  data: Uint8Array;
}

/** Parses an idx3-ubyte image file: magic 2051, count, rows, cols, then count·rows·cols bytes. */
export function parseIdxImages(buf: Uint8Array, file: string): IdxImages {
  const view = header(buf, file, IMAGES_MAGIC, 16, 'idx3 images');
  const count = view.getUint32(4);
  const rows = view.getUint32(8);
  const cols = view.getUint32(12);
  if (rows === 0 || cols === 0) throw new DatasetError(file, `image size ${rows}×${cols} is empty`);
  checkLength(buf, file, 16 + count * rows * cols, `${count} images of ${rows}×${cols}`);
  // A copy, not a view: a Buffer's slice shares memory (and small ones a pool).
  return { count, rows, cols, data: new Uint8Array(buf.subarray(16)) };
}

/** Parses an idx1-ubyte label file: magic 2049, count, then count bytes, each a digit. */
export function parseIdxLabels(buf: Uint8Array, file: string): Uint8Array {
  const view = header(buf, file, LABELS_MAGIC, 8, 'idx1 labels');
  const count = view.getUint32(4);
  checkLength(buf, file, 8 + count, `${count} labels`);
  const labels = new Uint8Array(buf.subarray(8));
  const bad = labels.findIndex((l) => l > 9);
  if (bad >= 0) throw new DatasetError(file, `label ${labels[bad]} at index ${bad} is not a digit 0..9`);
  return labels;
}

function header(buf: Uint8Array, file: string, magic: number, size: number, what: string): DataView {
  const truncated = () => new DatasetError(file, `truncated: ${buf.length} bytes, shorter than the ${size}-byte ${what} header`);
  if (buf.length < 4) throw truncated();
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  // Magic first: a swapped-in file of the other kind is named as such, whatever its length.
  const found = view.getUint32(0);
  if (found !== magic) {
    const hint = found === IMAGES_MAGIC ? ' (an images file)' : found === LABELS_MAGIC ? ' (a labels file)' : '';
    throw new DatasetError(file, `wrong magic number ${found}${hint}, expected ${magic} (${what})`);
  }
  if (buf.length < size) throw truncated();
  return view;
}

function checkLength(buf: Uint8Array, file: string, expected: number, what: string): void {
  if (buf.length < expected) throw new DatasetError(file, `truncated: ${buf.length} bytes, expected ${expected} for ${what}`);
  if (buf.length > expected) throw new DatasetError(file, `${buf.length - expected} unexpected bytes after ${what}`);
}

/** Reads a file, gunzipping `.gz`; every failure becomes a DatasetError naming the file. */
export async function readMaybeGzip(file: string): Promise<Uint8Array> {
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (error) {
    throw new DatasetError(file, `cannot read: ${(error as Error).message}`);
  }
  if (!file.endsWith('.gz')) return raw;
  try {
    return await gunzipAsync(raw);
  } catch (error) {
    throw new DatasetError(file, `corrupt gzip: ${(error as Error).message}`);
  }
}

/**
 * Where MNIST is under `dataDir` (see MNIST_LAYOUTS; each file plain or `.gz`). Every reader of
 * the set (loader, `trainyard data`) goes through this one function.
 */
export function resolveMnistDir(dataDir: string): Promise<ResolvedDataDir> {
  return resolveLayout(dataDir, MNIST_LAYOUTS, MNIST_FILES, (name) => [name, `${name}.gz`]);
}

/**
 * What a TA does to install MNIST under `dataDir`: the command, or the copy. After a failed
 * download (`downloadFailed`), the copy first and a mirror, not the fetch that just failed.
 */
export function mnistInstallHint(dataDir: string, { downloadFailed = false } = {}): string {
  if (downloadFailed) {
    const gz = MNIST_FILES.map((f) => `${f}.gz`).join(', ');
    return afterFailedDownload('mnist', dataDir, `copy ${gz} (or the same without .gz) into ${join(dataDir, MNIST_DIR)}/`);
  }
  return (
    `run \`trainyard data fetch mnist --data-dir ${dataDir}\`, or copy ${MNIST_FILES.map((f) => `${f}[.gz]`).join(', ')} ` +
    `into ${join(dataDir, MNIST_DIR)}/ (or ${join(dataDir, 'MNIST', 'raw')}/, or ${dataDir}/ itself)`
  );
}

/** What a TA does about a damaged MNIST file under `dataDir`: check the set, and replace the file. */
export function mnistRepairHint(dataDir: string, file: string): string {
  return (
    `To repair it, delete ${file} and run \`trainyard data fetch mnist --data-dir ${dataDir}\` (it downloads what is missing and checks its MD5), ` +
    `or copy an intact ${basename(file)} in its place; \`trainyard data verify --data-dir ${dataDir}\` checks the rest of the set.`
  );
}

/** Downloads `name.gz` into `dir` (verified, atomic); a failure means the set is not installed. */
async function download(dataDir: string, dir: string, name: string, options: LoadOptions, source: MnistIdxSource, searched: string[]): Promise<string> {
  const gz = join(dir, `${name}.gz`);
  const missing = (why: string, downloadFailed = false) =>
    new DatasetMissingError('mnist', `MNIST: ${name}[.gz] not found in ${searched.join(', ')}; ${why}. To install it, ${mnistInstallHint(dataDir, { downloadFailed })}.`);
  if (options.download === false) throw missing('downloading is disabled');
  const md5 = (source.md5 ?? MNIST_MD5)[`${name}.gz`];
  if (!md5) throw new DatasetError(gz, 'no checksum known to verify a download against');
  await downloadForLoader(
    {
      urls: mirrorUrls(source.mirrors ?? MNIST_MIRRORS, `${name}.gz`),
      md5,
      dest: gz,
      fetch: source.fetch,
      log: options.log,
      signal: options.signal,
      onProgress: options.onDownloadProgress,
    },
    missing,
  );
  return gz;
}

async function loadSplit(dataDir: string, where: ResolvedDataDir, prefix: 'train' | 't10k', options: LoadOptions, source: MnistIdxSource) {
  const file = async (name: string) => where.files[name] ?? (await download(dataDir, where.dir, name, options, source, where.searched));
  const imagesFile = await file(`${prefix}-images-idx3-ubyte`);
  const labelsFile = await file(`${prefix}-labels-idx1-ubyte`);
  options.signal?.throwIfAborted();
  const images = parseIdxImages(await readMaybeGzip(imagesFile), imagesFile);
  const labels = parseIdxLabels(await readMaybeGzip(labelsFile), labelsFile);
  if (labels.length !== images.count) {
    throw new DatasetError(labelsFile, `has ${labels.length} labels but ${imagesFile} has ${images.count} images`);
  }
  const set: ImageSet = { images: images.data, labels, count: images.count };
  return { set, rows: images.rows, cols: images.cols, imagesFile };
}

/**
 * MNIST from the four idx files (plain or `.gz`), wherever resolveMnistDir finds them. Missing
 * files are downloaded into that directory; throws DatasetMissingError when they cannot be, and
 * DatasetDamagedError for a file that is there but unusable (its `cause`, a DatasetError, names
 * the file and what is wrong). Neither message names a server path; `adminDetail` does.
 */
export function loadMnistIdx(options: LoadOptions, source: MnistIdxSource = {}): Promise<Dataset> {
  return failingDamagedAs('mnist', (file) => mnistRepairHint(options.dataDir, file), () => readMnistIdx(options, source));
}

async function readMnistIdx(options: LoadOptions, source: MnistIdxSource): Promise<Dataset> {
  const where = await resolveMnistDir(options.dataDir);
  const dir = where.dir;
  const train = await loadSplit(options.dataDir, where, 'train', options, source);
  const test = await loadSplit(options.dataDir, where, 't10k', options, source);
  if (test.rows !== train.rows || test.cols !== train.cols) {
    throw new DatasetError(test.imagesFile, `images are ${test.rows}×${test.cols} but ${train.imagesFile} has ${train.rows}×${train.cols}`);
  }
  options.log?.(`MNIST: ${train.set.count} train / ${test.set.count} test images from ${dir}`);
  const warnings = nonCanonicalWarning('MNIST', { train: train.set.count, test: test.set.count }, MNIST_CANONICAL_COUNTS);
  for (const warning of warnings) options.log?.(`warning: ${warning}`);
  return {
    ...(warnings.length ? { warnings } : {}),
    name: 'mnist',
    height: train.rows,
    width: train.cols,
    channels: 1,
    classNames: [...MNIST_CLASSES],
    train: train.set,
    test: test.set,
  };
}
