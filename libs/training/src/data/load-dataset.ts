import type { DatasetName } from '@trainyard/contracts';
import { loadCifar10Binary } from './cifar10-binary.loader';
import type { Dataset, ImageSet, LoadOptions } from './dataset.types';
import { loadMnistBundled } from './mnist-bundled.loader';
import { loadMnistIdx } from './mnist-idx.loader';
import { generateSynthetic } from './synthetic.loader';

/** One shared load per (name, dataDir); waiters count so the last one to give up cancels it. */
interface CacheEntry {
  promise: Promise<Dataset>;
  controller: AbortController;
  waiting: number;
  settled: boolean;
}

const cache = new Map<string, CacheEntry>();

/** Forgets every parsed data set (tests; or to hand memory back). Loads under way finish unshared. */
export function clearDatasetCache(): void {
  cache.clear();
}

/**
 * The one entry point. File-backed sets are parsed once per process and shared: every caller gets
 * frozen wrapper objects over the same bytes, and `limit` / `testLimit` take the first N as views,
 * so nothing a caller does to its copy (reassigning fields, limits) reaches the cache. The byte
 * arrays themselves cannot be frozen in JS; they are read-only by contract (the transforms and
 * batching only read them), and copying 180 MB per job would defeat the cache.
 */
export async function loadDataset(name: DatasetName, options: LoadOptions): Promise<Dataset> {
  options.signal?.throwIfAborted();
  if (name === 'synthetic') {
    // Cheap to generate, and its size comes from the limits themselves: nothing to share.
    return freeze(generateSynthetic(options));
  }
  const dataset = await shared(name, options);
  return withLimits(dataset, options.limit, options.testLimit);
}

function load(name: Exclude<DatasetName, 'synthetic'>, options: LoadOptions): Promise<Dataset> {
  switch (name) {
    case 'mnist-bundled':
      return loadMnistBundled(options);
    case 'mnist':
      return loadMnistIdx(options);
    case 'cifar10':
      return loadCifar10Binary(options);
  }
}

async function shared(name: Exclude<DatasetName, 'synthetic'>, options: LoadOptions): Promise<Dataset> {
  // The bundled digits do not live in dataDir: one entry serves every data directory.
  const key = name === 'mnist-bundled' ? name : `${name}\0${options.dataDir}`;
  let entry = cache.get(key);
  if (!entry) {
    const controller = new AbortController();
    const created: CacheEntry = {
      controller,
      waiting: 0,
      settled: false,
      promise: load(name, { ...options, signal: controller.signal }).then(
        (dataset) => {
          created.settled = true;
          return freeze(dataset);
        },
        (error: unknown) => {
          created.settled = true;
          if (cache.get(key) === created) cache.delete(key); // a failed load is retried by the next caller
          throw error;
        },
      ),
    };
    entry = created;
    cache.set(key, entry);
  }
  return waitFor(key, entry, options.signal);
}

/** Waits for a shared load; a caller's signal stops only its own wait, and the load itself once nobody waits. */
function waitFor(key: string, entry: CacheEntry, signal?: AbortSignal): Promise<Dataset> {
  if (entry.settled) return entry.promise;
  entry.waiting++;
  if (!signal) return entry.promise; // a caller that cannot cancel keeps the load alive
  return new Promise<Dataset>((resolve, reject) => {
    const onAbort = () => {
      entry.waiting--;
      if (entry.waiting === 0 && !entry.settled) {
        if (cache.get(key) === entry) cache.delete(key);
        entry.controller.abort(signal.reason);
      }
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    entry.promise.then(
      (dataset) => {
        signal.removeEventListener('abort', onAbort);
        resolve(dataset);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function freezeSet(set: ImageSet): ImageSet {
  return Object.freeze({ images: set.images, labels: set.labels, count: set.count });
}

function freeze(dataset: Dataset): Dataset {
  return Object.freeze({
    ...dataset,
    classNames: Object.freeze([...dataset.classNames]) as string[],
    train: freezeSet(dataset.train),
    test: freezeSet(dataset.test),
  });
}

/** The first N samples as views over the same bytes (no copy); the cached set is left as it is. */
export function firstSamples(set: ImageSet, n: number | undefined, imageSize: number): ImageSet {
  const count = n === undefined ? set.count : Math.max(0, Math.min(n, set.count));
  return Object.freeze({
    images: set.images.subarray(0, count * imageSize),
    labels: set.labels.subarray(0, count),
    count,
  });
}

export function withLimits(dataset: Dataset, limit?: number, testLimit?: number): Dataset {
  const size = dataset.height * dataset.width * dataset.channels;
  return Object.freeze({
    ...dataset,
    train: firstSamples(dataset.train, limit, size),
    test: firstSamples(dataset.test, testLimit, size),
  });
}
