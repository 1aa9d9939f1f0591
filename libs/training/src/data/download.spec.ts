import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { md5, tempDir } from './__tests__/fixtures';
import { startLocalServer, type LocalServer } from './__tests__/local-server';
import { DatasetError } from './dataset.types';
import { downloadFile, mirrorUrls } from './download';

describe('downloadFile', () => {
  const good = randomBytes(200_000);
  const other = randomBytes(1000);
  let server: LocalServer;
  let dir: string;

  beforeAll(async () => {
    server = await startLocalServer({
      '/a/file.gz': good,
      '/b/file.gz': good,
      '/wrong/file.gz': other,
      '/broken/file.gz': { status: 500 },
      '/stall/file.gz': { stallAfter: 1000, body: good },
    });
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes the verified file in place and leaves no temp file', async () => {
    const dest = join(dir, 'sub', 'file.gz');
    const log: string[] = [];
    await downloadFile({ urls: [`${server.baseUrl}a/file.gz`], md5: md5(good), dest, log: (m) => log.push(m) });
    expect(Buffer.compare(await readFile(dest), good)).toBe(0);
    expect(await readdir(join(dir, 'sub'))).toEqual(['file.gz']);
    expect(log.join('\n')).toMatch(/checksum OK/);
  });

  it('rejects a wrong checksum and leaves nothing behind', async () => {
    const dest = join(dir, 'file.gz');
    const error = await downloadFile({ urls: [`${server.baseUrl}wrong/file.gz`], md5: md5(good), dest }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as Error).message).toContain(dest);
    expect((error as Error).message).toMatch(/MD5 mismatch/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('tries the mirrors in order until one gives the right file', async () => {
    const dest = join(dir, 'file.gz');
    const urls = mirrorUrls([`${server.baseUrl}broken`, `${server.baseUrl}wrong/`, `${server.baseUrl}b`], 'file.gz');
    const log: string[] = [];
    await downloadFile({ urls, md5: md5(good), dest, log: (m) => log.push(m) });
    expect(Buffer.compare(await readFile(dest), good)).toBe(0);
    expect(log.filter((m) => m.includes('failed'))).toHaveLength(2);
    expect(log.join('\n')).toMatch(/HTTP 500/);
    expect(await readdir(dir)).toEqual(['file.gz']);
  });

  it('names every mirror that failed', async () => {
    const dest = join(dir, 'file.gz');
    const urls = mirrorUrls([`${server.baseUrl}broken`, `${server.baseUrl}missing`], 'file.gz');
    await expect(downloadFile({ urls, md5: md5(good), dest })).rejects.toThrow(/broken\/file\.gz: HTTP 500.*missing\/file\.gz: HTTP 404/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('stops on abort mid-download, removes the partial file and tries no other mirror', async () => {
    const dest = join(dir, 'file.gz');
    const controller = new AbortController();
    const before = server.requests.length;
    const promise = downloadFile({
      urls: [`${server.baseUrl}stall/file.gz`, `${server.baseUrl}a/file.gz`],
      md5: md5(good),
      dest,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('job cancelled')), 100);
    await expect(promise).rejects.toThrow('job cancelled');
    expect(server.requests.slice(before)).toEqual(['/stall/file.gz']);
    expect(await readdir(dir)).toEqual([]);
  });

  it('uses an injected fetch', async () => {
    const dest = join(dir, 'file.gz');
    const seen: string[] = [];
    const fakeFetch = async (url: string) => {
      seen.push(url);
      return new Response(other);
    };
    await downloadFile({ urls: ['https://example.invalid/x/file.gz'], md5: md5(other), dest, fetch: fakeFetch });
    expect(seen).toEqual(['https://example.invalid/x/file.gz']);
    expect(Buffer.compare(await readFile(dest), other)).toBe(0);
  });
});
