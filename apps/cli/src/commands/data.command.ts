import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { loadConfig } from '@trainyard/config';
import { DATASET_LABELS, FILE_DATASETS, type FileDatasetName } from '@trainyard/contracts';
import type { ChecksumOverrides, DatasetStatus, DatasetVerification } from '@trainyard/training';

// libs/training loads TF.js (about 100 ms); only the actions need it, not `--help` or other commands.
const training = () => import('@trainyard/training');

interface DataFlags {
  dataDir?: string;
  json?: boolean;
}

/** The data directory exactly as the worker and `train` resolve it: DATA_DIR, overridden by --data-dir. */
const dataDirOf = (flags: DataFlags) => loadConfig({ ...process.env, ...(flags.dataDir ? { DATA_DIR: flags.dataDir } : {}) }).dataDir;

const n = (v: number) => v.toLocaleString('en-US');

/** `trainyard data status | verify | fetch NAME`: the file-backed data sets, for TAs. */
export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('the data sets on this server (for TAs): where they are, whether they are whole, and fetching them');

  data
    .command('status')
    .description('where each data set is (directory and layout), whether it is complete, and its sample counts')
    .option('--data-dir <dir>', 'data directory (default: DATA_DIR, else .trainyard/data)')
    .option('--json', 'one JSON array')
    .action(async (flags: DataFlags) => {
      const dataDir = dataDirOf(flags);
      const { datasetStatus } = await training();
      const all = await Promise.all(FILE_DATASETS.map((name) => datasetStatus(name, dataDir)));
      if (flags.json) return void process.stdout.write(`${JSON.stringify(all)}\n`);
      process.stdout.write(`data directory: ${dataDir}\n`);
      for (const s of all) process.stdout.write(`${statusLine(s)}\n`);
    });

  data
    .command('verify')
    .description('check every data set present against its published checksums; exits 1 on a mismatch')
    .option('--data-dir <dir>', 'data directory (default: DATA_DIR, else .trainyard/data)')
    .option('--checksums <file>', 'JSON {"file name": "md5"} overriding the published checksums (a class mirror of another set)')
    .option('--json', 'one JSON array')
    .action(async (flags: DataFlags & { checksums?: string }) => {
      const dataDir = dataDirOf(flags);
      const overrides = readOverrides(flags.checksums);
      const { verifyDataset } = await training();
      const all = await Promise.all(FILE_DATASETS.map((name) => verifyDataset(name, dataDir, overrides)));
      if (flags.json) process.stdout.write(`${JSON.stringify(all)}\n`);
      else for (const v of all) process.stdout.write(verificationText(v));
      if (!all.every((v) => v.ok)) process.exitCode = 1;
    });

  data
    .command('fetch')
    .argument('<name>', `data set: ${FILE_DATASETS.join(' | ')}`)
    .description('download a data set, verify its checksums and install it atomically (nothing half-written on failure or Ctrl-C)')
    .option('--data-dir <dir>', 'data directory (default: DATA_DIR, else .trainyard/data)')
    .option('--mirror <url>', 'base URL to download from instead of the canonical mirrors (repeatable)', (v: string, all: string[] = []) => [...all, v])
    .option('--checksums <file>', 'JSON {"file name": "md5"} overriding the published checksums (a class mirror of another set)')
    .action(async (name: string, flags: DataFlags & { mirror?: string[]; checksums?: string }) => {
      if (!(FILE_DATASETS as readonly string[]).includes(name)) throw new Error(`unknown data set ${name}: choose ${FILE_DATASETS.join(' or ')}`);
      const dataDir = dataDirOf(flags);
      const { DatasetUnavailableError, fetchDataset } = await training();
      const controller = new AbortController();
      // Ctrl-C stops the download; downloadFile removes its temp file, so nothing half-written stays.
      const onSigint = () => controller.abort(new Error('interrupted'));
      process.once('SIGINT', onSigint);
      const bar = new SingleBar({ stream: process.stderr, format: '{file} |{bar}| {percentage}% {done} of {size} MB', hideCursor: true }, Presets.shades_classic);
      let started = false;
      try {
        const result = await fetchDataset(name as FileDatasetName, {
          dataDir,
          mirrors: flags.mirror,
          overrides: readOverrides(flags.checksums),
          signal: controller.signal,
          log: (m) => (started ? undefined : process.stderr.write(`${m}\n`)),
          onDownloadProgress: (received, total, url) => {
            const file = url.slice(url.lastIndexOf('/') + 1);
            if (!started) {
              started = true;
              bar.start(Math.max(total, 1), 0, { file, done: '0.0', size: total ? (total / 1e6).toFixed(1) : '?' });
            }
            bar.update(Math.min(received, Math.max(total, 1)), { file, done: (received / 1e6).toFixed(1), size: total ? (total / 1e6).toFixed(1) : '?' });
          },
        });
        if (started) bar.stop();
        process.stdout.write(verificationText(result));
        if (!result.ok) process.exitCode = 1;
      } catch (err) {
        if (started) bar.stop();
        if (controller.signal.aborted) {
          process.stderr.write(`trainyard: fetch of ${name} interrupted; nothing was left half-written in ${dataDir}\n`);
          process.exit(130);
        }
        // The TA is the audience here: the whole detail, paths and all.
        if (err instanceof DatasetUnavailableError) throw new Error(`${DATASET_LABELS[err.dataset]} could not be fetched: ${err.adminDetail}`);
        throw err;
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}

function readOverrides(file: string | undefined): ChecksumOverrides {
  if (!file) return {};
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!parsed || typeof parsed !== 'object' || Object.values(parsed).some((v) => typeof v !== 'string' || !/^[0-9a-f]{32}$/i.test(v))) {
    throw new Error(`${file}: expected a JSON object of file name → MD5 (32 hex digits)`);
  }
  return parsed as ChecksumOverrides;
}

function statusLine(s: DatasetStatus): string {
  const label = DATASET_LABELS[s.name].padEnd(9);
  if (!s.present) {
    return s.missing.length < (s.name === 'mnist' ? 4 : 6)
      ? `${label} incomplete in ${s.dir} (${s.layout}): missing ${s.missing.join(', ')}`
      : `${label} not installed (looked in the data directory's layouts; \`trainyard data fetch ${s.name}\` installs it)`;
  }
  if (s.problem) return `${label} ${s.dir} (${s.layout}): unusable: ${s.problem}`;
  const counts = `${n(s.counts!.train)} train / ${n(s.counts!.test)} test`;
  return `${label} ${s.dir} (${s.layout}): ${counts}${s.canonical ? ' (canonical)' : ' (NOT the canonical set)'}`;
}

function verificationText(v: DatasetVerification): string {
  const lines = [statusLine(v)];
  for (const c of v.checks) lines.push(`  ${c.ok ? 'ok      ' : 'MISMATCH'} ${c.file}${c.ok ? '' : `: MD5 ${c.actual}, expected ${c.expected}`} (${c.source})`);
  for (const f of v.unchecked) lines.push(`  unchecked ${f}: no published checksum covers it`);
  if (v.present && v.canonical === false) lines.push(`  note: not the canonical set; results are not comparable with the published numbers`);
  return `${lines.join('\n')}\n`;
}
