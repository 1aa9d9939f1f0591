import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tar from 'tar';
import { cifarBatch, md5, tempDir, damagedFailure, expectAdviceAfterFailedDownload, failureOf } from './__tests__/fixtures';
import { withLocalServer } from './__tests__/local-server';
import { CIFAR10_CLASSES, CIFAR10_TEST_FILES, CIFAR10_TRAIN_FILES, loadCifar10Binary, resolveCifar10Dir } from './cifar10-binary.loader';
import { DatasetDamagedError, DatasetMissingError } from '@trainyard/contracts';

// Two records per train file, three in the test file; a byte encodes (record, channel, position).
const value = (record: number, channel: number, p: number) => (record * 17 + channel * 85 + p) % 256;
const trainLabels = (file: number) => [file, 9 - file];
const TEST_LABELS = [7, 8, 9];

async function writeBatches(dir: string, overrides: Record<string, Buffer | null> = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  const files: Record<string, Buffer | null> = {};
  CIFAR10_TRAIN_FILES.forEach((name, i) => (files[name] = cifarBatch(trainLabels(i), (r, c, p) => value(i * 2 + r, c, p))));
  files[CIFAR10_TEST_FILES[0]] = cifarBatch(TEST_LABELS, (r, c, p) => value(100 + r, c, p));
  for (const [name, data] of Object.entries({ ...files, ...overrides })) if (data) await writeFile(join(dir, name), data);
}

const failure = (promise: Promise<unknown>) => damagedFailure('cifar10', promise);

const exists = (path: string) => stat(path).then(() => true, () => false);

describe('loadCifar10Binary', () => {
  let dataDir: string;
  let batches: string;
  beforeEach(async () => {
    dataDir = await tempDir();
    batches = join(dataDir, 'cifar10', 'cifar-10-batches-bin');
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('converts channel-planar records to NHWC, in file order', async () => {
    await writeBatches(batches);
    const ds = await loadCifar10Binary({ dataDir, download: false });
    expect(ds).toMatchObject({ name: 'cifar10', height: 32, width: 32, channels: 3 });
    expect(ds.classNames).toEqual(CIFAR10_CLASSES);
    expect(ds.train.count).toBe(10);
    expect(ds.test.count).toBe(3);
    expect(Array.from(ds.train.labels)).toEqual([0, 9, 1, 8, 2, 7, 3, 6, 4, 5]);
    expect(Array.from(ds.test.labels)).toEqual(TEST_LABELS);
    // Sample 7 = second record of data_batch_4; pixel (y=3, x=5) → p = 101.
    const p = 3 * 32 + 5;
    const at = (7 * 1024 + p) * 3;
    expect(Array.from(ds.train.images.subarray(at, at + 3))).toEqual([value(7, 0, p), value(7, 1, p), value(7, 2, p)]);
    const last = (2 * 1024 + 1023) * 3;
    expect(Array.from(ds.test.images.subarray(last, last + 3))).toEqual([value(102, 0, 1023), value(102, 1, 1023), value(102, 2, 1023)]);
  });

  it('accepts any whole number of records per file, and warns that the set is not the canonical one', async () => {
    await writeBatches(batches);
    const log: string[] = [];
    const ds = await loadCifar10Binary({ dataDir, download: false, log: (m) => log.push(m) });
    expect(ds.train.count).toBe(10);
    expect(ds.warnings).toEqual([expect.stringMatching(/not the canonical set: 10 train \/ 3 test images instead of 50,000 \/ 10,000/)]);
    // For the student: no server path in it.
    expect(ds.warnings!.join(' ')).not.toContain(dataDir);
    expect(log.join('\n')).toMatch(/warning: .*not the canonical set/);
  });

  const cases: [string, Record<string, Buffer | null>, string, RegExp][] = [
    ['a partial record', { 'data_batch_2.bin': Buffer.alloc(3073 * 2 - 1) }, 'data_batch_2.bin', /size 6145 bytes is not a whole number of records: 1 whole record of 3073 bytes .* and 3072 bytes of a partial one/],
    ['an empty file', { 'test_batch.bin': Buffer.alloc(0) }, 'test_batch.bin', /is empty/],
    ['a label above 9', { 'data_batch_5.bin': cifarBatch([3, 10], () => 0) }, 'data_batch_5.bin', /record 1 has label 10/],
  ];
  it.each(cases)('rejects %s, naming the file', async (_, overrides, file, problem) => {
    await writeBatches(batches, overrides);
    const error = await failure(loadCifar10Binary({ dataDir, download: false }));
    expect(error.file).toBe(join(batches, file));
    expect(error.message).toMatch(problem);
  });

  it('tells the TA how to replace a truncated batch, and the student nothing of the server', async () => {
    const whole = cifarBatch([1, 2], () => 7);
    await writeBatches(batches, { 'data_batch_4.bin': whole.subarray(0, whole.length - 100) });
    const error = await failureOf(loadCifar10Binary({ dataDir, download: false }), DatasetDamagedError);
    expect(error.message).not.toContain(dataDir);
    const file = join(batches, 'data_batch_4.bin');
    expect(error.adminDetail).toContain(`CIFAR-10: ${file}: size 6046 bytes is not a whole number of records`);
    expect(error.adminDetail).toContain(`copy an intact data_batch_4.bin in its place, or remove data_batch_1.bin`);
    expect(error.adminDetail).toContain(`from ${batches} and run \`trainyard data fetch cifar10 --data-dir ${dataDir}\``);
  });

  it('fails with DatasetMissingError when nothing is there and downloading is off: no path for the student, the action for the TA', async () => {
    const missing = await failureOf(loadCifar10Binary({ dataDir, download: false }), DatasetMissingError);
    expect(missing.message).toBe('CIFAR-10 is not installed on this server; ask your TA');
    expect(missing.adminDetail).toContain(`trainyard data fetch cifar10 --data-dir ${dataDir}`);
    expect(missing.adminDetail).toContain(batches);
    expect(missing.adminDetail).toMatch(/downloading is disabled/);
  });

  it('fails with DatasetMissingError, naming the missing batch to the TA, when the set is incomplete', async () => {
    await writeBatches(batches, { 'data_batch_3.bin': null });
    const error = await failureOf(loadCifar10Binary({ dataDir, download: false }), DatasetMissingError);
    expect(error.adminDetail).toMatch(/lacks data_batch_3\.bin/);
  });

  describe('layouts', () => {
    it.each([
      ['the data directory itself', ''],
      ['<dataDir>/cifar-10-batches-bin/, as the archive unpacks', 'cifar-10-batches-bin'],
    ])('reads the batches from %s', async (_, subdir) => {
      await writeBatches(join(dataDir, subdir));
      const ds = await loadCifar10Binary({ dataDir, download: false });
      expect(Array.from(ds.test.labels)).toEqual(TEST_LABELS);
      expect(ds.train.count).toBe(10);
      const where = await resolveCifar10Dir(dataDir);
      expect(where).toMatchObject({ dir: join(dataDir, subdir), complete: true, layout: subdir ? `${subdir}/` : './' });
    });

    it("prefers Trainyard's own layout when two hold a set", async () => {
      await writeBatches(dataDir);
      await writeBatches(batches, { 'test_batch.bin': cifarBatch([1], () => 0) });
      const ds = await loadCifar10Binary({ dataDir, download: false });
      expect(Array.from(ds.test.labels)).toEqual([1]);
    });
  });

  describe('downloading', () => {
    let archive: Buffer;
    beforeAll(async () => {
      // A real tar.gz in the canonical layout, made with the same `tar` package.
      const src = await tempDir('trainyard-cifar-src-');
      await writeBatches(join(src, 'cifar-10-batches-bin'));
      await writeFile(join(src, 'cifar-10-batches-bin', 'batches.meta.txt'), CIFAR10_CLASSES.join('\n'));
      await tar.c({ gzip: true, cwd: src, file: join(src, 'cifar.tar.gz') }, ['cifar-10-batches-bin']);
      archive = await readFile(join(src, 'cifar.tar.gz'));
      await rm(src, { recursive: true, force: true });
    });

    it('downloads, verifies, extracts and renames into place, leaving no archive or temp dir', async () => {
      await withLocalServer({ '/kriz/cifar-10-binary.tar.gz': archive }, async (server) => {
        const log: string[] = [];
        const ds = await loadCifar10Binary(
          { dataDir, log: (m) => log.push(m) },
          { mirrors: [`${server.baseUrl}kriz/`], md5: md5(archive) },
        );
        expect(Array.from(ds.test.labels)).toEqual(TEST_LABELS);
        expect(ds.train.images[3 * 5 + 2]).toBe(value(0, 2, 5));
        expect(await readdir(join(dataDir, 'cifar10'))).toEqual(['cifar-10-batches-bin']);
        expect((await readdir(batches)).sort()).toEqual([...CIFAR10_TRAIN_FILES, 'MD5SUMS', 'batches.meta.txt', ...CIFAR10_TEST_FILES].sort());
        expect(log.join('\n')).toMatch(/Extracting/);
      });
    });

    it('writes MD5SUMS of the extracted batches, so a later change can be told', async () => {
      await withLocalServer({ '/cifar-10-binary.tar.gz': archive }, async (server) => {
        await loadCifar10Binary({ dataDir }, { mirrors: [server.baseUrl], md5: md5(archive) });
        const sums = await readFile(join(batches, 'MD5SUMS'), 'utf8');
        const batch1 = await readFile(join(batches, 'data_batch_1.bin'));
        expect(sums).toContain(`${md5(batch1)}  data_batch_1.bin\n`);
        expect(sums.trim().split('\n')).toHaveLength(6);
      });
    });

    it('fails at once with DatasetMissingError when no mirror has the archive (no network), leaving nothing behind', async () => {
      await withLocalServer({}, async (server) => {
        const error = await failureOf(loadCifar10Binary({ dataDir }, { mirrors: [server.baseUrl] }), DatasetMissingError);
        expect(error.message).not.toContain(dataDir);
        expect(error.adminDetail).toMatch(/download failed .*HTTP 404/);
        expect(await readdir(join(dataDir, 'cifar10'))).toEqual([]);
      });
    });

    it('after a failed download, points to a mirror or a copy (exact files, exact directory), not to the fetch that just failed', async () => {
      await withLocalServer({}, async (server) => {
        const error = await failureOf(loadCifar10Binary({ dataDir }, { mirrors: [server.baseUrl] }), DatasetMissingError);
        expectAdviceAfterFailedDownload(error, 'cifar10', dataDir, [
          `copy cifar-10-binary.tar.gz into ${join(dataDir, 'cifar10')}/`,
          `data_batch_1.bin, data_batch_2.bin, data_batch_3.bin, data_batch_4.bin, data_batch_5.bin, test_batch.bin into ${join(dataDir, 'cifar10', 'cifar-10-batches-bin')}/`,
        ]);
      });
    });

    it('leaves nothing behind on a checksum mismatch', async () => {
      await withLocalServer({ '/cifar-10-binary.tar.gz': archive }, async (server) => {
        const error = await failureOf(loadCifar10Binary({ dataDir }, { mirrors: [server.baseUrl], md5: 'f'.repeat(32) }), DatasetMissingError);
        expect(error.adminDetail).toMatch(/MD5 mismatch/);
        expect(await readdir(join(dataDir, 'cifar10'))).toEqual([]);
      });
    });

    it('rejects a verified archive that is not a tar.gz, removing it and its temp dir', async () => {
      const garbage = Buffer.from('not a tarball at all');
      await withLocalServer({ '/cifar-10-binary.tar.gz': garbage }, async (server) => {
        const error = await failure(loadCifar10Binary({ dataDir }, { mirrors: [server.baseUrl], md5: md5(garbage) }));
        expect(error.file).toBe(join(dataDir, 'cifar10', 'cifar-10-binary.tar.gz'));
        expect(error.message).toMatch(/cannot extract|does not contain/);
        expect(await readdir(join(dataDir, 'cifar10'))).toEqual([]);
      });
    });

    it('uses an archive already in place after checking it, and keeps it', async () => {
      const root = join(dataDir, 'cifar10');
      await mkdir(root, { recursive: true });
      await writeFile(join(root, 'cifar-10-binary.tar.gz'), archive);
      const ds = await loadCifar10Binary({ dataDir, download: false }, { md5: md5(archive) });
      expect(ds.train.count).toBe(10);
      expect(await exists(join(root, 'cifar-10-binary.tar.gz'))).toBe(true);
    });

    it('refuses an archive in place whose checksum is wrong', async () => {
      const root = join(dataDir, 'cifar10');
      await mkdir(root, { recursive: true });
      await writeFile(join(root, 'cifar-10-binary.tar.gz'), archive.subarray(0, 100));
      const error = await failure(loadCifar10Binary({ dataDir, download: false }, { md5: md5(archive) }));
      expect(error.file).toBe(join(root, 'cifar-10-binary.tar.gz'));
      expect(error.message).toMatch(/MD5 mismatch/);
      expect(await exists(batches)).toBe(false);
    });

    it('tells the TA to delete an archive in place whose checksum is wrong, then fetch', async () => {
      const root = join(dataDir, 'cifar10');
      await mkdir(root, { recursive: true });
      await writeFile(join(root, 'cifar-10-binary.tar.gz'), archive.subarray(0, 100));
      const error = await failureOf(loadCifar10Binary({ dataDir, download: false }, { md5: md5(archive) }), DatasetDamagedError);
      expect(error.adminDetail).toContain(`To repair it, delete ${join(root, 'cifar-10-binary.tar.gz')} and run \`trainyard data fetch cifar10 --data-dir ${dataDir}\``);
    });

    it('rejects an archive without the batches directory', async () => {
      const src = await tempDir('trainyard-cifar-src-');
      await writeFile(join(src, 'readme.txt'), 'hello');
      await tar.c({ gzip: true, cwd: src, file: join(src, 'x.tar.gz') }, ['readme.txt']);
      const other = await readFile(join(src, 'x.tar.gz'));
      await rm(src, { recursive: true, force: true });
      const root = join(dataDir, 'cifar10');
      await mkdir(root, { recursive: true });
      await writeFile(join(root, 'cifar-10-binary.tar.gz'), other);
      const error = await failure(loadCifar10Binary({ dataDir, download: false }, { md5: md5(other) }));
      expect(error.message).toMatch(/does not contain cifar-10-batches-bin\/; delete it to download again/);
      expect(await readdir(root)).toEqual(['cifar-10-binary.tar.gz']);
    });
  });
});
