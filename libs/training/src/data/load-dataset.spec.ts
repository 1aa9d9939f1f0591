import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { idxImages, idxLabels, tempDir } from './__tests__/fixtures';
import { DatasetMissingError } from '@trainyard/contracts';
import { clearDatasetCache, loadDataset } from './load-dataset';

async function writeMnist(dataDir: string, trainLabels: number[], testLabels = [5, 6]): Promise<void> {
  const dir = join(dataDir, 'mnist');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'train-images-idx3-ubyte'), idxImages(trainLabels.length, 2, 2, (i) => i));
  await writeFile(join(dir, 'train-labels-idx1-ubyte'), idxLabels(trainLabels));
  await writeFile(join(dir, 't10k-images-idx3-ubyte'), idxImages(testLabels.length, 2, 2, (i) => 50 + i));
  await writeFile(join(dir, 't10k-labels-idx1-ubyte'), idxLabels(testLabels));
}

describe('loadDataset', () => {
  let dataDir: string;
  const options = () => ({ dataDir, download: false });
  beforeEach(async () => {
    clearDatasetCache();
    dataDir = await tempDir();
    await writeMnist(dataDir, [1, 2, 3, 4]);
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('parses a file-backed set once and shares the bytes', async () => {
    const first = await loadDataset('mnist', options());
    await rm(join(dataDir, 'mnist'), { recursive: true }); // a re-parse would now fail
    const second = await loadDataset('mnist', options());
    expect(second.train.images.buffer).toBe(first.train.images.buffer);
    expect(Array.from(second.train.labels)).toEqual([1, 2, 3, 4]);
  });

  it('shares one load between concurrent callers', async () => {
    const [a, b] = await Promise.all([loadDataset('mnist', options()), loadDataset('mnist', options())]);
    expect(a.test.images.buffer).toBe(b.test.images.buffer);
  });

  it('keeps data directories apart', async () => {
    const other = await tempDir();
    try {
      await writeMnist(other, [7, 8]);
      const a = await loadDataset('mnist', options());
      const b = await loadDataset('mnist', { dataDir: other, download: false });
      expect(Array.from(a.train.labels)).toEqual([1, 2, 3, 4]);
      expect(Array.from(b.train.labels)).toEqual([7, 8]);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('applies limits as views of the first N without touching the cached set', async () => {
    const limited = await loadDataset('mnist', { ...options(), limit: 2, testLimit: 1 });
    expect(limited.train.count).toBe(2);
    expect(Array.from(limited.train.labels)).toEqual([1, 2]);
    expect(limited.train.images.length).toBe(2 * 4);
    expect(limited.test.count).toBe(1);
    const over = await loadDataset('mnist', { ...options(), limit: 100 });
    expect(over.train.count).toBe(4);
    const full = await loadDataset('mnist', options());
    expect(full.train.count).toBe(4);
    expect(full.train.images.length).toBe(4 * 4);
    expect(full.test.count).toBe(2);
  });

  it('hands out frozen objects, so a caller cannot change what others get', async () => {
    const ds = await loadDataset('mnist', options());
    expect(() => {
      (ds.train as { count: number }).count = 1;
    }).toThrow(TypeError);
    expect(() => {
      (ds as { train: unknown }).train = ds.test;
    }).toThrow(TypeError);
    expect(() => ds.classNames.push('x')).toThrow(TypeError);
    const again = await loadDataset('mnist', options());
    expect(again.train.count).toBe(4);
    expect(again.classNames).toHaveLength(10);
  });

  it('does not cache a failure', async () => {
    await rm(join(dataDir, 'mnist', 't10k-labels-idx1-ubyte'));
    await expect(loadDataset('mnist', options())).rejects.toThrow(DatasetMissingError);
    await writeMnist(dataDir, [9, 9]);
    expect(Array.from((await loadDataset('mnist', options())).train.labels)).toEqual([9, 9]);
  });

  it('lets one caller give up without cancelling the load for the others', async () => {
    const controller = new AbortController();
    const stays = loadDataset('mnist', options());
    const leaves = loadDataset('mnist', { ...options(), signal: controller.signal });
    controller.abort(new Error('job cancelled'));
    await expect(leaves).rejects.toThrow('job cancelled');
    expect((await stays).train.count).toBe(4);
  });

  it('cancels and drops a load its only caller abandoned, so the next call reads afresh', async () => {
    const controller = new AbortController();
    const log: string[] = [];
    const leaves = loadDataset('mnist', { ...options(), signal: controller.signal, log: (m) => log.push(m) });
    controller.abort(new Error('job cancelled'));
    await expect(leaves).rejects.toThrow('job cancelled');
    await writeMnist(dataDir, [0, 0, 0]);
    expect(Array.from((await loadDataset('mnist', options())).train.labels)).toEqual([0, 0, 0]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(log).toEqual([]); // the abandoned load never finished
  });

  it('rejects at once when the signal is already aborted', async () => {
    await expect(loadDataset('mnist', { ...options(), signal: AbortSignal.abort(new Error('too late')) })).rejects.toThrow('too late');
  });

  it('generates synthetic sets from the limits, frozen, without caching', async () => {
    const a = await loadDataset('synthetic', { dataDir, limit: 30, testLimit: 10, seed: 2 });
    const b = await loadDataset('synthetic', { dataDir, limit: 40, seed: 2 });
    expect([a.train.count, a.test.count, b.train.count, b.test.count]).toEqual([30, 10, 40, 200]);
    expect(Object.isFrozen(a.train)).toBe(true);
  });

  it('serves the bundled digits whatever the data directory, balanced under a limit', async () => {
    const ds = await loadDataset('mnist-bundled', { dataDir: '/nonexistent', limit: 100, testLimit: 50 });
    const counts = new Array<number>(10).fill(0);
    ds.train.labels.forEach((l) => counts[l]++);
    expect(counts).toEqual(new Array(10).fill(10));
    expect(ds.test.count).toBe(50);
    const full = await loadDataset('mnist-bundled', { dataDir });
    expect(full.train.images.buffer).toBe(ds.train.images.buffer);
    expect(full.train.count).toBe(7996);
  });
});
