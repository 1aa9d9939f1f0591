import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { DatasetError, type Dataset, type ImageSet, type LoadOptions } from './dataset.types';
import { downloadFile, mirrorUrls, type DownloadSource } from './download';

const gunzipAsync = promisify(gunzip);

export const MNIST_DIR = 'mnist';
export const MNIST_MIRRORS = ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'https://storage.googleapis.com/cvdf-datasets/mnist/'];
/** Checksums of the canonical `.gz` files (torchvision's). */
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

const exists = (path: string) => access(path).then(() => true, () => false);

/** Finds `name` or `name.gz` in `dir`, downloading the `.gz` when allowed. */
async function locate(dir: string, name: string, options: LoadOptions, source: MnistIdxSource): Promise<string> {
  for (const candidate of [join(dir, name), join(dir, `${name}.gz`)]) {
    if (await exists(candidate)) return candidate;
  }
  const gz = join(dir, `${name}.gz`);
  if (options.download === false) {
    throw new DatasetError(join(dir, name), `missing (looked for ${name} and ${name}.gz; downloading is disabled)`);
  }
  const md5 = (source.md5 ?? MNIST_MD5)[`${name}.gz`];
  if (!md5) throw new DatasetError(gz, 'no checksum known to verify a download against');
  await downloadFile({
    urls: mirrorUrls(source.mirrors ?? MNIST_MIRRORS, `${name}.gz`),
    md5,
    dest: gz,
    fetch: source.fetch,
    log: options.log,
    signal: options.signal,
  });
  return gz;
}

async function loadSplit(dir: string, prefix: 'train' | 't10k', options: LoadOptions, source: MnistIdxSource) {
  const imagesFile = await locate(dir, `${prefix}-images-idx3-ubyte`, options, source);
  const labelsFile = await locate(dir, `${prefix}-labels-idx1-ubyte`, options, source);
  options.signal?.throwIfAborted();
  const images = parseIdxImages(await readMaybeGzip(imagesFile), imagesFile);
  const labels = parseIdxLabels(await readMaybeGzip(labelsFile), labelsFile);
  if (labels.length !== images.count) {
    throw new DatasetError(labelsFile, `has ${labels.length} labels but ${imagesFile} has ${images.count} images`);
  }
  const set: ImageSet = { images: images.data, labels, count: images.count };
  return { set, rows: images.rows, cols: images.cols, imagesFile };
}

/** MNIST from the four idx files (plain or `.gz`) in `<dataDir>/mnist/`. */
export async function loadMnistIdx(options: LoadOptions, source: MnistIdxSource = {}): Promise<Dataset> {
  const dir = join(options.dataDir, MNIST_DIR);
  const train = await loadSplit(dir, 'train', options, source);
  const test = await loadSplit(dir, 't10k', options, source);
  if (test.rows !== train.rows || test.cols !== train.cols) {
    throw new DatasetError(test.imagesFile, `images are ${test.rows}×${test.cols} but ${train.imagesFile} has ${train.rows}×${train.cols}`);
  }
  options.log?.(`MNIST: ${train.set.count} train / ${test.set.count} test images from ${dir}`);
  return {
    name: 'mnist',
    height: train.rows,
    width: train.cols,
    channels: 1,
    classNames: [...MNIST_CLASSES],
    train: train.set,
    test: test.set,
  };
}
