import { spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { ExperimentEvent } from '@trainyard/contracts';
import { idxImages, idxLabels, tempDir } from '../libs/training/src/data/__tests__/fixtures';
import { expectCourseOrdering } from './support/course-ordering';
import { runTrainyard, TRAINYARD_BIN } from './support/trainyard-cli';

// The `trainyard` bin as a user runs it (built by `npm ci`'s prepare step).
const trainyard = (args: string[], timeout = 120_000) => runTrainyard(args, { timeout, env: { ...process.env, TF_BACKEND: 'wasm' } });

describe('trainyard CLI', () => {
  it('models --json lists every course model with PyTorch\'s parameter counts', async () => {
    const { code, stdout } = await trainyard(['models', '--json']);
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as { name: string; params: number }[];
    const params = Object.fromEntries(rows.map((r) => [r.name, r.params]));
    expect(params).toMatchObject({ fc2layer: 6442, cnn: 6422, 'cifar-cnn': 62006, vgg16: 9231114 });
  });

  it('train --json prints seq-contiguous events ending in completed with the result fields', async () => {
    const { code, stdout } = await trainyard(['train', '--preset', 'mnist-cnn', '--limit', '512', '--test-limit', '256', '--epochs', '1', '--json']);
    expect(code).toBe(0);
    const events = stdout.trim().split('\n').map((l) => JSON.parse(l) as ExperimentEvent);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0].type).toBe('started');
    const last = events.at(-1)!;
    if (last.type !== 'completed') throw new Error(`last event is ${last.type}`);
    expect(last.result).toMatchObject({ params: 6422, backend: 'wasm', testSamples: 256 });
    expect(last.result.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(last.result.testAccuracy).toBeLessThanOrEqual(1);
    expect(last.result.perClassAccuracy).toHaveLength(10);
    expect(last.result.samplesPerSec).toBeGreaterThan(0);
    expect(Number.isFinite(last.result.testLoss)).toBe(true);
  });

  it('train trains on TRAIN_THREADS data-parallel threads, as a worker does', async () => {
    // The course CNN at batch 64 carries enough work per shard for 2 threads (replicasFor).
    const { code, stdout } = await runTrainyard(['train', '--preset', 'mnist-cnn', '--limit', '256', '--test-limit', '64', '--epochs', '1', '--json'], {
      timeout: 120_000,
      env: { ...process.env, TF_BACKEND: 'wasm', TRAIN_THREADS: '2' },
    });
    expect(code).toBe(0);
    const events = stdout.trim().split('\n').map((l) => JSON.parse(l) as ExperimentEvent);
    expect(events[0]).toMatchObject({ type: 'started', threads: 2 });
    expect(events.at(-1)).toMatchObject({ type: 'completed', result: { threads: 2 } });
  });

  it('train warns once on stderr, before training, when TRAIN_THREADS is more than the cores (the worker\'s rule)', async () => {
    // 64 threads on this machine's cores: far more than any CI or laptop has.
    const { code, stdout, stderr } = await runTrainyard(['train', '--preset', 'mnist-fc', '--limit', '128', '--test-limit', '32', '--epochs', '1', '--json'], {
      timeout: 120_000,
      env: { ...process.env, TF_BACKEND: 'wasm', TRAIN_THREADS: '64' },
    });
    expect(code).toBe(0);
    const warnings = stderr.split('\n').filter((l) => l.includes('TRAIN_THREADS'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^warning: TRAIN_THREADS 64: more training threads than the \d+ cores here\b.*set TRAIN_THREADS to \d+/);
    // --json's stdout stays one JSON event a line.
    expect(stdout).not.toMatch(/TRAIN_THREADS/);
    for (const line of stdout.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
  }, 120_000);

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('train interrupted by %s once training has started exits %i (128 + the signal), not 1 as a failure', async (signal, exitCode) => {
    // Long enough that it is still training when the signal lands; the signal is sent on its first progress event.
    const res = await signalWhen(['train', '--preset', 'mnist-fc', '--epochs', '50', '--json'], (out) => /"type":"progress"/.test(out.stdout), signal);
    expect({ code: res.code, stderr: res.stderr }).toEqual({ code: exitCode, stderr: expect.any(String) });
    expect(res.stdout.trim().split('\n').map((l) => JSON.parse(l).type).at(-1)).toBe('cancelled');
  }, 120_000);

  it('report --local interrupted by Ctrl-C prints the rows so far and exits 130, as train does', async () => {
    // Piped, the view prints `started` on stderr; the suite's first run takes the course's 938 steps, long past the signal.
    const res = await signalWhen(['report', 'week2-mnist', '--local'], (out) => /: started on /.test(out.stderr), 'SIGINT');
    expect({ code: res.code, stderr: res.stderr }).toEqual({ code: 130, stderr: expect.any(String) });
    expect(res.stdout).toMatch(/interrupted \(SIGINT\)/);
  }, 120_000);


  it.each([
    [['train', '--preset', 'mnist-cnnn'], /preset/],
    [['train', '--preset', 'mnist-cnn', '--epochs', '0'], /epochs/],
    [['train', '--preset', 'mnist-cnn', '--limit', 'ten'], /whole number/],
    [['train', '--preset', 'mnist-cnn', '--backend', 'cuda'], /expected one of/],
    [['report', 'week9'], /unknown suite/],
  ])('rejects %j with a clear message and a non-zero exit', async (args, message) => {
    const { code, stderr, stdout } = await trainyard(args as string[]);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace for bad input
    expect(stdout).toBe('');
  });

  it('a missing data set fails with one message naming the file, and trains nothing', async () => {
    const { code, stderr, stdout } = await trainyard(['train', '--preset', 'mnist-fc', '--dataset', 'mnist', '--data-dir', path.join(__dirname, 'no-such-dir'), '--no-download', '--json']);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/train-images-idx3-ubyte\[\.gz\] not found in \S*no-such-dir.mnist.*trainyard data fetch mnist/);
    expect(stdout.trim().split('\n').map((l) => JSON.parse(l).type)).toEqual(['failed']);
  });
});

describe('trainyard report week2-mnist --local', () => {
  // A server's `mnist` that is not the canonical set (here 256 / 64 IDX images in the
  // folder itself) was once reported `yes (938 SGD steps; course 938)`. It is judged on what loaded.
  /** An MNIST-format set of `train` / `test` images, in the folder itself (as `--data-dir` accepts). */
  async function smallMnist(train: number, test: number): Promise<string> {
    const dir = await tempDir();
    const labels = (n: number) => Array.from({ length: n }, (_, i) => i % 10);
    await writeFile(path.join(dir, 'train-images-idx3-ubyte'), idxImages(train, 28, 28, (i, p) => (i * 31 + p) % 256));
    await writeFile(path.join(dir, 'train-labels-idx1-ubyte'), idxLabels(labels(train)));
    await writeFile(path.join(dir, 't10k-images-idx3-ubyte'), idxImages(test, 28, 28, (i, p) => (i * 17 + p) % 256));
    await writeFile(path.join(dir, 't10k-labels-idx1-ubyte'), idxLabels(labels(test)));
    return dir;
  }

  it('marks a run on a non-canonical mnist as not comparable, with the loaded sizes and real steps', async () => {
    const dir = await smallMnist(256, 64);
    try {
      const { code, stdout, stderr } = await trainyard(['report', 'week2-mnist', '--local', '--dataset', 'mnist', '--data-dir', dir, '--epochs', '1', '--no-download', '--json'], 300_000);
      expect({ code, stderr: code ? stderr : '' }).toEqual({ code: 0, stderr: '' });
      const rows = JSON.parse(stdout) as { preset: string; comparison: { comparable: boolean; steps: number; reasons: string[] } }[];
      expect(rows).toHaveLength(4);
      for (const row of rows) {
        expect(row.comparison).toMatchObject({
          comparable: false,
          steps: 4,
          reasons: ['not the canonical set: 256 of 60,000 training images', 'tested on 64 of 10,000 test images', 'fewer SGD steps than the course: 4 vs 938'],
        });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);


  // The course's lesson, measured on the bundled digits with the course's nets and optimiser:
  // the CNN beats the FC net, and permuting pixels hurts the CNN far more than the FC net.
  // The course steps rule on the images the data dir holds, not the 60,000 `mnist` names: 640
  // images take 10 steps an epoch, so 94 epochs give the course's 938 (940), not 1 epoch of 10.
  it('without --epochs, gives each preset the course\'s SGD steps on the set the data dir really holds', async () => {
    const dir = await smallMnist(640, 64);
    try {
      const { code, stdout, stderr } = await trainyard(['report', 'week2-mnist', '--local', '--dataset', 'mnist', '--data-dir', dir, '--no-download', '--json'], 600_000);
      expect({ code, stderr: code ? stderr : '' }).toEqual({ code: 0, stderr: '' });
      const rows = JSON.parse(stdout) as { result: { epochs: unknown[] }; comparison: { steps: number; reasons: string[] } }[];
      for (const row of rows) {
        expect(row.result.epochs).toHaveLength(94);
        expect(row.comparison).toMatchObject({ steps: 940, reasons: ['not the canonical set: 640 of 60,000 training images', 'tested on 64 of 10,000 test images'] });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 600_000);

  it('reproduces the course\'s ordering of the four 4.1 runs', async () => {
    const { code, stdout, stderr } = await trainyard(['report', 'week2-mnist', '--local', '--json'], 600_000);
    expect({ code, stderr: code ? stderr : '' }).toEqual({ code: 0, stderr: '' });
    const rows = JSON.parse(stdout) as { preset: string; result: { testAccuracy: number; params: number } }[];
    const acc = Object.fromEntries(rows.map((r) => [r.preset, r.result.testAccuracy]));
    expectCourseOrdering(acc);
  }, 600_000);
});

/**
 * Spawns `trainyard args` (wasm, one thread), sends `signal` once `ready` holds for its output so
 * far, and resolves with its exit code and output; rejects if it exits before `ready`.
 */
async function signalWhen(args: string[], ready: (out: { stdout: string; stderr: string }) => boolean, signal: NodeJS.Signals) {
  const child = spawn(process.execPath, [TRAINYARD_BIN, ...args], {
    env: { ...process.env, TF_BACKEND: 'wasm', TRAIN_THREADS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  let signalled = false;
  // 'close', not 'exit': every byte of its output has been read by then.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const onData = (key: 'stdout' | 'stderr') => (chunk: Buffer) => {
    out[key] += String(chunk);
    if (!signalled && ready(out)) {
      signalled = true;
      child.kill(signal);
    }
  };
  child.stdout.on('data', onData('stdout'));
  child.stderr.on('data', onData('stderr'));
  try {
    const code = await exited;
    if (!signalled) throw new Error(`exited ${code} before it was ready for ${signal}: ${out.stderr}`);
    return { code, ...out };
  } finally {
    child.kill('SIGKILL');
  }
}
