import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { idxImages, idxLabels, md5, tempDir, damagedFailure, expectAdviceAfterFailedDownload, failureOf } from './__tests__/fixtures';
import { withLocalServer } from './__tests__/local-server';
import { DatasetDamagedError, DatasetMissingError } from '@trainyard/contracts';
import { loadMnistIdx, parseIdxImages, parseIdxLabels, resolveMnistDir } from './mnist-idx.loader';

// 4 rows × 5 cols, so a swapped height/width shows; pixel value encodes (image, position).
const ROWS = 4;
const COLS = 5;
const pixel = (i: number, p: number) => (i * 31 + p) % 256;
const TRAIN_LABELS = [3, 1, 4];
const TEST_LABELS = [9, 0];

interface Files {
  [name: string]: Buffer;
}
const canonicalFiles = (): Files => ({
  'train-images-idx3-ubyte': idxImages(3, ROWS, COLS, pixel),
  'train-labels-idx1-ubyte': idxLabels(TRAIN_LABELS),
  't10k-images-idx3-ubyte': idxImages(2, ROWS, COLS, (i, p) => pixel(i + 100, p)),
  't10k-labels-idx1-ubyte': idxLabels(TEST_LABELS),
});

async function writeMnist(dataDir: string, files: Files, gz: (name: string) => boolean = () => false, subdir = 'mnist'): Promise<string> {
  const dir = join(dataDir, subdir);
  await mkdir(dir, { recursive: true });
  for (const [name, data] of Object.entries(files)) {
    await writeFile(join(dir, gz(name) ? `${name}.gz` : name), gz(name) ? gzipSync(data) : data);
  }
  return dir;
}

const failure = (promise: Promise<unknown>) => damagedFailure('mnist', promise);

describe('idx parsing', () => {
  it('reads header, pixels and labels', () => {
    const images = parseIdxImages(idxImages(3, ROWS, COLS, pixel), 'x');
    expect(images).toMatchObject({ count: 3, rows: ROWS, cols: COLS });
    expect(images.data.length).toBe(3 * ROWS * COLS);
    expect(images.data[2 * ROWS * COLS + 7]).toBe(pixel(2, 7));
    expect(Array.from(parseIdxLabels(idxLabels([7, 0, 9]), 'y'))).toEqual([7, 0, 9]);
  });

  it('returns copies that do not share the file buffer', () => {
    const buf = idxImages(1, 2, 2, () => 5);
    const images = parseIdxImages(buf, 'x');
    buf[16] = 99;
    expect(images.data[0]).toBe(5);
  });
});

describe('loadMnistIdx', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await tempDir();
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('loads plain and .gz files with pixels, labels and shape intact', async () => {
    await writeMnist(dataDir, canonicalFiles(), (name) => name.startsWith('train'));
    const ds = await loadMnistIdx({ dataDir, download: false });
    expect(ds).toMatchObject({ name: 'mnist', height: ROWS, width: COLS, channels: 1 });
    expect(ds.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(ds.train.count).toBe(3);
    expect(ds.test.count).toBe(2);
    expect(Array.from(ds.train.labels)).toEqual(TRAIN_LABELS);
    expect(Array.from(ds.test.labels)).toEqual(TEST_LABELS);
    const size = ROWS * COLS;
    expect(Array.from(ds.train.images.subarray(size, 2 * size))).toEqual(Array.from({ length: size }, (_, p) => pixel(1, p)));
    expect(ds.test.images[size + 3]).toBe(pixel(101, 3));
  });

  const cases: [string, (f: Files) => void, string, RegExp][] = [
    ['truncated images', (f) => (f['train-images-idx3-ubyte'] = f['train-images-idx3-ubyte'].subarray(0, 16 + 3 * 20 - 1)), 'train-images-idx3-ubyte', /truncated: 75 bytes, expected 76 for 3 images of 4×5/],
    ['a truncated header', (f) => (f['t10k-labels-idx1-ubyte'] = f['t10k-labels-idx1-ubyte'].subarray(0, 5)), 't10k-labels-idx1-ubyte', /truncated: 5 bytes, shorter than the 8-byte/],
    ['trailing bytes', (f) => (f['train-labels-idx1-ubyte'] = Buffer.concat([f['train-labels-idx1-ubyte'], Buffer.from([1])])), 'train-labels-idx1-ubyte', /1 unexpected bytes after 3 labels/],
    ['a labels file where images belong', (f) => (f['t10k-images-idx3-ubyte'] = idxLabels(TEST_LABELS)), 't10k-images-idx3-ubyte', /wrong magic number 2049 \(a labels file\), expected 2051/],
    ['a wrong magic number', (f) => (f['train-labels-idx1-ubyte'] = idxLabels(TRAIN_LABELS, 0x1234)), 'train-labels-idx1-ubyte', /wrong magic number 4660, expected 2049/],
    ['more labels than images', (f) => (f['train-labels-idx1-ubyte'] = idxLabels([1, 2, 3, 4])), 'train-labels-idx1-ubyte', /has 4 labels but .*train-images-idx3-ubyte has 3 images/],
    ['a label that is not a digit', (f) => (f['t10k-labels-idx1-ubyte'] = idxLabels([9, 10])), 't10k-labels-idx1-ubyte', /label 10 at index 1 is not a digit/],
    ['test images of another size', (f) => (f['t10k-images-idx3-ubyte'] = idxImages(2, COLS, ROWS, pixel)), 't10k-images-idx3-ubyte', /images are 5×4 but .*train-images-idx3-ubyte has 4×5/],
  ];
  it.each(cases)('rejects %s, naming the file', async (_, corrupt, file, problem) => {
    const files = canonicalFiles();
    corrupt(files);
    const dir = await writeMnist(dataDir, files);
    const error = await failure(loadMnistIdx({ dataDir, download: false }));
    expect(error.file).toBe(join(dir, file));
    expect(error.message).toMatch(problem);
  });

  it('tells the TA which file to replace and how, and the student nothing of the server', async () => {
    const files = canonicalFiles();
    files['train-images-idx3-ubyte'] = idxImages(3, ROWS, COLS, pixel, 0x0803_0000);
    const dir = await writeMnist(dataDir, files);
    const error = await failureOf(loadMnistIdx({ dataDir, download: false }), DatasetDamagedError);
    expect(error.message).not.toContain(dataDir);
    const file = join(dir, 'train-images-idx3-ubyte');
    expect(error.adminDetail).toContain(`MNIST: ${file}: wrong magic number`);
    expect(error.adminDetail).toContain(`delete ${file} and run \`trainyard data fetch mnist --data-dir ${dataDir}\``);
  });

  it('rejects a corrupt gzip file, naming it', async () => {
    const files = canonicalFiles();
    const dir = await writeMnist(dataDir, files, (name) => name === 'train-labels-idx1-ubyte');
    const gz = join(dir, 'train-labels-idx1-ubyte.gz');
    await writeFile(gz, gzipSync(files['train-labels-idx1-ubyte']).subarray(0, 12));
    const error = await failure(loadMnistIdx({ dataDir, download: false }));
    expect(error.file).toBe(gz);
    expect(error.message).toMatch(/corrupt gzip/);
  });

  it('fails with DatasetMissingError when a file is missing and downloading is off: no path for the student, the action for the TA', async () => {
    const files = canonicalFiles();
    delete files['t10k-labels-idx1-ubyte'];
    const dir = await writeMnist(dataDir, files);
    const error = await failureOf(loadMnistIdx({ dataDir, download: false }), DatasetMissingError);
    expect(error.message).toBe('MNIST is not installed on this server; ask your TA');
    expect(error.adminDetail).toContain(`t10k-labels-idx1-ubyte[.gz] not found in ${dir}`);
    expect(error.adminDetail).toContain(`trainyard data fetch mnist --data-dir ${dataDir}`);
  });

  it('warns that a set of other sizes is not the canonical one', async () => {
    await writeMnist(dataDir, canonicalFiles());
    const ds = await loadMnistIdx({ dataDir, download: false });
    expect(ds.warnings).toEqual([expect.stringMatching(/MNIST is not the canonical set: 3 train \/ 2 test images instead of 60,000 \/ 10,000/)]);
  });

  describe('layouts', () => {
    it.each([
      ['the data directory itself', '', false],
      ["torchvision's <dataDir>/MNIST/raw/, gzipped", join('MNIST', 'raw'), true],
    ])('reads the files from %s', async (_, subdir, gz) => {
      await writeMnist(dataDir, canonicalFiles(), () => gz, subdir);
      const ds = await loadMnistIdx({ dataDir, download: false });
      expect(Array.from(ds.train.labels)).toEqual(TRAIN_LABELS);
      expect(Array.from(ds.test.labels)).toEqual(TEST_LABELS);
      const where = await resolveMnistDir(dataDir);
      expect(where).toMatchObject({ dir: join(dataDir, subdir), complete: true });
      expect(where.files['train-images-idx3-ubyte']).toBe(join(dataDir, subdir, gz ? 'train-images-idx3-ubyte.gz' : 'train-images-idx3-ubyte'));
    });

    it('takes the first complete layout, not an incomplete one before it', async () => {
      await writeMnist(dataDir, { 'train-images-idx3-ubyte': canonicalFiles()['train-images-idx3-ubyte'] });
      await writeMnist(dataDir, canonicalFiles(), () => false, '');
      const ds = await loadMnistIdx({ dataDir, download: false });
      expect(ds.test.count).toBe(2);
      expect((await resolveMnistDir(dataDir)).layout).toBe('./');
    });
  });

  describe('downloading', () => {
    const files = canonicalFiles();
    const gz = Object.fromEntries(Object.entries(files).map(([name, data]) => [`${name}.gz`, gzipSync(data)]));
    const checksums = Object.fromEntries(Object.entries(gz).map(([name, data]) => [name, md5(data)]));

    it('fetches the missing .gz files from the mirrors, verifies and keeps them', async () => {
      await withLocalServer(Object.fromEntries(Object.entries(gz).map(([name, data]) => [`/second/${name}`, data])), async (server) => {
        // Only the test set is on disk at first; the first mirror has nothing.
        await writeMnist(dataDir, { 't10k-images-idx3-ubyte': files['t10k-images-idx3-ubyte'], 't10k-labels-idx1-ubyte': files['t10k-labels-idx1-ubyte'] });
        const ds = await loadMnistIdx({ dataDir }, { mirrors: [`${server.baseUrl}first/`, `${server.baseUrl}second/`], md5: checksums });
        expect(Array.from(ds.train.labels)).toEqual(TRAIN_LABELS);
        expect(ds.train.images[5]).toBe(pixel(0, 5));
        expect((await readdir(join(dataDir, 'mnist'))).sort()).toEqual([
          't10k-images-idx3-ubyte',
          't10k-labels-idx1-ubyte',
          'train-images-idx3-ubyte.gz',
          'train-labels-idx1-ubyte.gz',
        ]);
        expect(server.requests.filter((r) => r.startsWith('/second/'))).toHaveLength(2);
      });
    });

    it('after a failed download, points to a mirror or a copy (exact files, exact directory), not to the fetch that just failed', async () => {
      await withLocalServer({}, async (server) => {
        const error = await failureOf(loadMnistIdx({ dataDir }, { mirrors: [server.baseUrl], md5: checksums }), DatasetMissingError);
        expectAdviceAfterFailedDownload(error, 'mnist', dataDir, [
          `copy train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz (or the same without .gz) into ${join(dataDir, 'mnist')}/`,
        ]);
      });
    });

    it('fails on a checksum mismatch with DatasetMissingError and leaves no file', async () => {
      await withLocalServer(Object.fromEntries(Object.entries(gz).map(([name, data]) => [`/${name}`, data])), async (server) => {
        const wrong = { ...checksums, 'train-images-idx3-ubyte.gz': '0'.repeat(32) };
        const error = await failureOf(loadMnistIdx({ dataDir }, { mirrors: [server.baseUrl], md5: wrong }), DatasetMissingError);
        expect(error.adminDetail).toMatch(/the download failed .*MD5 mismatch/);
        expect(await readdir(join(dataDir, 'mnist'))).toEqual([]);
      });
    });
  });
});
