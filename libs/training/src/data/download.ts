import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { DatasetError } from './dataset.types';

/** node's global fetch, or a stand-in with the same shape (tests, proxies). */
export type FetchLike = (url: string, init: { signal?: AbortSignal }) => Promise<Response>;

/** Where a loader fetches its canonical files from: overridable so tests serve them locally. */
export interface DownloadSource {
  /** Base URLs tried in order; a file's URL is base + file name. */
  mirrors?: readonly string[];
  fetch?: FetchLike;
}

export interface DownloadOptions {
  /** Full URLs, tried in order until one yields a file with the right checksum. */
  urls: readonly string[];
  md5: string;
  dest: string;
  fetch?: FetchLike;
  log?: (message: string) => void;
  signal?: AbortSignal;
  /** Called for every chunk received: bytes so far, and the Content-Length (0 when unknown). */
  onProgress?: DownloadProgress;
}

/** Bytes received so far of one download, and its Content-Length (0 when the server gave none). */
export type DownloadProgress = (received: number, total: number, url: string) => void;

const PROGRESS_EVERY_MS = 5000;

export const mirrorUrls = (mirrors: readonly string[], file: string): string[] =>
  mirrors.map((base) => (base.endsWith('/') ? base : `${base}/`) + file);

/**
 * Downloads to a temp file beside `dest`, checks the MD5, then renames into place: `dest` either
 * does not exist or is the whole verified file, even if the process dies mid-download.
 */
export async function downloadFile(options: DownloadOptions): Promise<void> {
  const { urls, dest, signal } = options;
  const log = options.log ?? (() => undefined);
  const fetchFn: FetchLike = options.fetch ?? ((url, init) => fetch(url, init));
  const expected = options.md5.toLowerCase();
  await mkdir(dirname(dest), { recursive: true });
  const failures: string[] = [];

  for (const url of urls) {
    signal?.throwIfAborted();
    const temp = `${dirname(dest)}/.${basename(dest)}.${process.pid}.${randomBytes(4).toString('hex')}.part`;
    try {
      log(`Downloading ${url}`);
      const res = await fetchFn(url, { signal });
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${res.statusText}`.trim());
      const total = Number(res.headers.get('content-length')) || 0;
      const hash = createHash('md5');
      const file = await open(temp, 'w');
      let received = 0;
      let lastReport = Date.now();
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          hash.update(chunk);
          await file.write(chunk);
          received += chunk.length;
          options.onProgress?.(received, total, url);
          if (Date.now() - lastReport >= PROGRESS_EVERY_MS) {
            lastReport = Date.now();
            log(`  ${basename(dest)}: ${formatProgress(received, total)}`);
          }
        }
        await file.sync();
      } finally {
        await file.close();
      }
      const actual = hash.digest('hex');
      if (actual !== expected) throw new Error(`MD5 mismatch: got ${actual}, expected ${expected} (${received} bytes)`);
      await rename(temp, dest);
      log(`  ${basename(dest)}: ${formatProgress(received, total)}, checksum OK`);
      return;
    } catch (error) {
      await rm(temp, { force: true });
      if (signal?.aborted) throw signal.reason ?? error;
      const message = error instanceof Error ? error.message : String(error);
      failures.push(`${url}: ${message}`);
      log(`  failed: ${url}: ${message}`);
    }
  }
  throw new DatasetError(dest, `download failed from every mirror (${failures.join('; ') || 'no mirrors given'})`);
}

/**
 * downloadFile for a loader's canonical file: any failure but an abort becomes
 * `missing(why, true)` (a DatasetMissingError: the set is not installed, and no retry of the run
 * will install it). The `true` says the download itself failed, so the advice must not be the
 * same download again.
 */
export async function downloadForLoader(options: DownloadOptions, missing: (why: string, downloadFailed: boolean) => Error): Promise<void> {
  try {
    await downloadFile(options);
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw missing(`the download failed (${(error as Error).message})`, true);
  }
}

/**
 * The advice after a download of `dataset` from its mirrors failed: the same fetch would fail the same
 * way, so first the copy (no network needed), then a mirror this machine can reach.
 */
export function afterFailedDownload(dataset: 'mnist' | 'cifar10', dataDir: string, copy: string): string {
  return (
    `${copy} (from a machine that has them), or fetch from a mirror this machine can reach: ` +
    `\`trainyard data fetch ${dataset} --data-dir ${dataDir} --mirror URL\` (add \`--checksums FILE\`, a JSON {"file": "md5"}, ` +
    `when the mirror's files are not the canonical ones). The same fetch without --mirror fails the same way until this machine reaches the canonical mirrors`
  );
}

function formatProgress(received: number, total: number): string {
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  return total > 0 ? `${mb(received)} of ${mb(total)} (${Math.floor((100 * received) / total)}%)` : mb(received);
}

/** MD5 of a file on disk, for archives a user put in place by hand. */
export async function md5OfFile(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
