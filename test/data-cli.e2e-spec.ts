import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';
import { cifarBatch, idxImages, idxLabels, md5, tempDir } from '../libs/training/src/data/__tests__/fixtures';
import { startLocalServer, type LocalServer } from '../libs/training/src/data/__tests__/local-server';
import { runTrainyard, TRAINYARD_BIN as BIN } from './support/trainyard-cli';

// `trainyard data status | verify | fetch` as a TA runs them: the built CLI, files generated here,
// downloads from a node:http server on 127.0.0.1 (no network needed).
const trainyard = (args: string[], env: NodeJS.ProcessEnv = {}) => runTrainyard(args, { timeout: 120_000, env: { ...process.env, DATA_DIR: '', ...env } });

const BATCHES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];

/** A small CIFAR-10 in the binary format: 2 records per train batch, 3 in the test batch (a class subset's shape). */
async function writeCifar(dir: string) {
  await mkdir(dir, { recursive: true });
  for (const [i, name] of BATCHES.entries()) await writeFile(path.join(dir, name), cifarBatch(name === 'test_batch.bin' ? [7, 8, 9] : [i, 9 - i], (r, c, p) => (r + c + p + i) % 256));
}

async function cifarArchive(): Promise<Buffer> {
  const src = await tempDir('trainyard-cifar-src-');
  await writeCifar(path.join(src, 'cifar-10-batches-bin'));
  await tar.c({ gzip: true, cwd: src, file: path.join(src, 'a.tar.gz') }, ['cifar-10-batches-bin']);
  const archive = await readFile(path.join(src, 'a.tar.gz'));
  await rm(src, { recursive: true, force: true });
  return archive;
}

const mnistFiles = () => ({
  'train-images-idx3-ubyte': idxImages(3, 28, 28, (i, p) => (i + p) % 256),
  'train-labels-idx1-ubyte': idxLabels([3, 1, 4]),
  't10k-images-idx3-ubyte': idxImages(2, 28, 28, (i, p) => (i * 7 + p) % 256),
  't10k-labels-idx1-ubyte': idxLabels([9, 0]),
});

/** Everything under `dir`, recursively, as relative paths. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

describe('trainyard data', () => {
  let dataDir: string;
  let server: LocalServer | undefined;
  beforeEach(async () => {
    dataDir = await tempDir('trainyard-data-cli-');
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it("status finds torchvision's MNIST/raw layout and batches directly in DATA_DIR, with their counts", async () => {
    await mkdir(path.join(dataDir, 'MNIST', 'raw'), { recursive: true });
    for (const [name, data] of Object.entries(mnistFiles())) await writeFile(path.join(dataDir, 'MNIST', 'raw', `${name}.gz`), gzipSync(data));
    await writeCifar(dataDir);
    // DATA_DIR, as the worker reads it; no --data-dir.
    const { code, stdout } = await trainyard(['data', 'status'], { DATA_DIR: dataDir });
    expect(code).toBe(0);
    expect(stdout).toContain(`MNIST     ${path.join(dataDir, 'MNIST', 'raw')} (MNIST/raw/): 3 train / 2 test (NOT the canonical set)`);
    expect(stdout).toContain(`CIFAR-10  ${dataDir} (./): 10 train / 3 test (NOT the canonical set)`);
    const json = JSON.parse((await trainyard(['data', 'status', '--json', '--data-dir', dataDir])).stdout);
    expect(json).toEqual([
      expect.objectContaining({ name: 'mnist', present: true, layout: 'MNIST/raw/', counts: { train: 3, test: 2 }, canonical: false }),
      expect.objectContaining({ name: 'cifar10', present: true, layout: './', counts: { train: 10, test: 3 }, canonical: false }),
    ]);
  });

  it('verify checks MNIST against the published MD5s (exit 1 on a mismatch), and against --checksums', async () => {
    const dir = path.join(dataDir, 'mnist');
    await mkdir(dir, { recursive: true });
    const gz = Object.fromEntries(Object.entries(mnistFiles()).map(([name, data]) => [`${name}.gz`, gzipSync(data)]));
    for (const [name, data] of Object.entries(gz)) await writeFile(path.join(dir, name), data);
    const published = await trainyard(['data', 'verify', '--data-dir', dataDir]);
    expect(published.code).toBe(1);
    expect(published.stdout).toMatch(/MISMATCH .*train-images-idx3-ubyte\.gz: MD5 [0-9a-f]{32}, expected f68b3c2dcbeaaa9fbdd348bbdeb94873/);
    const sums = path.join(dataDir, 'sums.json');
    await writeFile(sums, JSON.stringify(Object.fromEntries(Object.entries(gz).map(([name, data]) => [name, md5(data)]))));
    const own = await trainyard(['data', 'verify', '--data-dir', dataDir, '--checksums', sums]);
    expect(own.code).toBe(0);
    expect(own.stdout.match(/ ok /g)).toHaveLength(4);
    expect(own.stdout).toMatch(/not the canonical set/);
  });

  it('fetch downloads from a mirror, verifies and installs CIFAR-10; verify then catches a changed batch', async () => {
    const archive = await cifarArchive();
    server = await startLocalServer({ '/mirror/cifar-10-binary.tar.gz': archive });
    const sums = path.join(dataDir, '..', `${path.basename(dataDir)}-sums.json`);
    await writeFile(sums, JSON.stringify({ 'cifar-10-binary.tar.gz': md5(archive) }));
    try {
      const fetched = await trainyard(['data', 'fetch', 'cifar10', '--data-dir', dataDir, '--mirror', `${server.baseUrl}mirror/`, '--checksums', sums]);
      expect(fetched.stderr).toContain(`Downloading ${server.baseUrl}mirror/cifar-10-binary.tar.gz`);
      expect(fetched.code).toBe(0);
      expect(fetched.stdout).toContain(`CIFAR-10  ${path.join(dataDir, 'cifar10', 'cifar-10-batches-bin')} (cifar10/cifar-10-batches-bin/): 10 train / 3 test`);
      expect(await tree(dataDir)).toEqual([...BATCHES.map((f) => `cifar10/cifar-10-batches-bin/${f}`), 'cifar10/cifar-10-batches-bin/MD5SUMS'].sort());
      expect((await trainyard(['data', 'verify', '--data-dir', dataDir])).code).toBe(0);

      const batch = path.join(dataDir, 'cifar10', 'cifar-10-batches-bin', 'data_batch_2.bin');
      const bytes = await readFile(batch);
      bytes[100] ^= 0xff;
      await writeFile(batch, bytes);
      const changed = await trainyard(['data', 'verify', '--data-dir', dataDir]);
      expect(changed.code).toBe(1);
      expect(changed.stdout).toMatch(/MISMATCH .*data_batch_2\.bin/);
    } finally {
      await rm(sums, { force: true });
    }
  });

  it('a fetch that cannot download points to a copy or another mirror, not to the same fetch again', async () => {
    server = await startLocalServer({});
    const { code, stderr } = await trainyard(['data', 'fetch', 'mnist', '--data-dir', dataDir, '--mirror', server.baseUrl]);
    expect(code).toBe(1);
    const advice = stderr.slice(stderr.indexOf('To install it'));
    expect(advice).not.toContain(`run \`trainyard data fetch mnist --data-dir ${dataDir}\``);
    expect(advice).toContain(`copy train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz (or the same without .gz) into ${path.join(dataDir, 'mnist')}/`);
    expect(advice).toContain(`\`trainyard data fetch mnist --data-dir ${dataDir} --mirror URL\``);
  });

  it('fetch refuses a download whose checksum does not match, leaving nothing behind', async () => {
    server = await startLocalServer({ '/cifar-10-binary.tar.gz': await cifarArchive() });
    // No --checksums: the published MD5 of the real archive, which this small one cannot match.
    const { code, stderr } = await trainyard(['data', 'fetch', 'cifar10', '--data-dir', dataDir, '--mirror', server.baseUrl]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/MD5 mismatch: got [0-9a-f]{32}, expected c32a1d4ab5d03f1284b67883e8d87530/);
    expect(await tree(dataDir)).toEqual([]);
  });

  it('fetch interrupted by Ctrl-C mid-download exits 130 and leaves no partial file', async () => {
    const archive = await cifarArchive();
    server = await startLocalServer({ '/cifar-10-binary.tar.gz': { stallAfter: Math.floor(archive.length / 2), body: archive } });
    const child = spawn(process.execPath, [BIN, 'data', 'fetch', 'cifar10', '--data-dir', dataDir, '--mirror', server.baseUrl], { env: { ...process.env, DATA_DIR: '' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Interrupt once the partial file is being written (the server stalls after half the archive).
    const deadline = Date.now() + 60_000;
    while (!(await readdir(path.join(dataDir, 'cifar10')).catch(() => [] as string[])).some((f) => f.endsWith('.part'))) {
      if (Date.now() > deadline) throw new Error(`no download started; stderr: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/interrupted; nothing was left half-written/);
    expect(await tree(dataDir)).toEqual([]);
  });
});
