import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { ExperimentEvent } from '@trainyard/contracts';
import { expectCourseOrdering } from './support/course-ordering';

// The `trainyard` bin as a user runs it (built by `npm ci`'s prepare step).
const BIN = path.resolve(__dirname, '..', 'apps', 'cli', 'bin', 'trainyard.js');
const run = promisify(execFile);

async function trainyard(args: string[], timeout = 120_000) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { timeout, env: { ...process.env, TF_BACKEND: 'wasm' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

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
  // The course's lesson, measured on the bundled digits with the course's nets and optimiser:
  // the CNN beats the FC net, and permuting pixels hurts the CNN far more than the FC net.
  it('reproduces the course\'s ordering of the four 4.1 runs', async () => {
    const { code, stdout, stderr } = await trainyard(['report', 'week2-mnist', '--local', '--json'], 600_000);
    expect({ code, stderr: code ? stderr : '' }).toEqual({ code: 0, stderr: '' });
    const rows = JSON.parse(stdout) as { preset: string; result: { testAccuracy: number; params: number } }[];
    const acc = Object.fromEntries(rows.map((r) => [r.preset, r.result.testAccuracy]));
    expectCourseOrdering(acc);
  }, 600_000);
});
