import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BenchModel } from './training-throughput';

// Debian's python3-torch installs into the system interpreter, which a pyenv or venv `python3`
// earlier on PATH would not see.
export const DEFAULT_PYTHON = '/usr/bin/python3';
const SCRIPT = path.resolve(__dirname, '..', '..', '..', '..', 'bench', 'pytorch_throughput.py');

export interface PytorchRow {
  model: BenchModel;
  batch: number;
  params: number;
  steps: number;
  medianMs: number;
  imgPerSec: number;
}

export interface PytorchRun {
  torch: string;
  threads: number;
  rows: PytorchRow[];
}

/** Why PyTorch cannot be measured here, or undefined when `python -c "import torch"` works. */
export function pytorchUnavailable(python: string): string | undefined {
  if (!fs.existsSync(SCRIPT)) return `${path.relative(process.cwd(), SCRIPT)} is missing`;
  const probe = spawnSync(python, ['-c', 'import torch'], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 60_000 });
  if (probe.error) return `${python} cannot run (${probe.error.message})`;
  if (probe.status !== 0) return `${python} has no torch (Debian: apt-get install --no-install-recommends python3-torch)`;
  return undefined;
}

/** Runs bench/pytorch_throughput.py; its progress goes to our stderr, its JSON comes back. */
export function runPytorchThroughput(
  python: string,
  opts: { models: BenchModel[]; steps: number; vggSteps: number; warmup: number; threads: number },
): Promise<PytorchRun> {
  const args = [
    SCRIPT,
    '--models', opts.models.join(','),
    '--steps', String(opts.steps),
    '--vgg-steps', String(opts.vggSteps),
    '--warmup', String(opts.warmup),
    '--threads', String(opts.threads),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code !== 0) return reject(new Error(`pytorch_throughput.py exited with ${signal ?? `code ${code}`}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)!) as PytorchRun);
      } catch {
        reject(new Error(`pytorch_throughput.py printed no JSON result: ${out.slice(0, 200)}`));
      }
    });
  });
}
