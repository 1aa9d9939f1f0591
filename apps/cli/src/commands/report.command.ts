import type { Command } from 'commander';
import { loadConfig } from '@trainyard/config';
import {
  compareToCourse,
  courseEpochs,
  courseSteps,
  trainingSteps,
  type ExperimentSpec,
  PRESETS,
  resolveExperimentRequest,
  SUITE_NAMES,
  SUITES,
  TrainingCancelledError,
  type PresetName,
  type SuiteName,
} from '@trainyard/contracts';
import { createProgressView } from '../output/progress-view';
import { formatResultsTable, type ReportRow } from '../output/results-table';
import { apiClient, apiOptions, type ApiFlags } from './api-options';
import { TrainingInterruptedError } from './interrupted';
import { overridesFrom, specOptions, type SpecFlags } from './spec-options';
import { reportRows, watchRuns } from './watch-runs';

type ReportFlags = Omit<SpecFlags, 'preset'> & ApiFlags & { local?: boolean };

export function registerReportCommand(program: Command): void {
  apiOptions(
    specOptions(
      program
        .command('report')
        .argument('<suite>', `the suite to run: ${SUITE_NAMES.join(', ')}`)
        .description("run a course suite on the queue (or --local) and print its results beside the course's published numbers"),
      { preset: false },
    ),
  )
    .option('--local', 'train in this process instead of on the queue')
    .option('--json', 'print the rows as JSON instead of a table')
    .action(async (suite: string, flags: ReportFlags) => {
      if (!(SUITE_NAMES as string[]).includes(suite)) {
        throw new Error(`unknown suite "${suite}": choose one of ${SUITE_NAMES.join(', ')}`);
      }
      const presets = SUITES[suite as SuiteName];
      const overrides = suiteOverrides(presets, flags);
      const { rows, exitCode } = flags.local ? await runLocally(presets, overrides, flags) : { rows: await runOnQueue(suite, presets, overrides, flags), exitCode: undefined };
      // What the runs took (the data dir's size may have changed the preset's epochs), else what was asked.
      const epochs = rows.find((r) => r.result)?.result?.epochs.length ?? resolveExperimentRequest({ preset: presets[0], ...overrides }).epochs;
      const dataset = (overrides.dataset as string | undefined) ?? PRESETS[presets[0]].dataset;
      if (flags.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
      else process.stdout.write(`\n${formatResultsTable(rows, `${dataset}, ${epochs} epoch(s)`)}\n`);
      // Interrupted: the rows so far are printed, then the signal's status (130 / 143), as `train` exits.
      if (exitCode !== undefined) process.exitCode = exitCode;
      else if (rows.some((r) => !r.result)) process.exitCode = 1;
    });
}

/**
 * The flags' overrides. A preset without --epochs takes the course's number of SGD steps on a smaller
 * data set (courseEpochs, in @trainyard/contracts, the one rule the API and dashboard use); this
 * says so on stderr when it changes the preset's epochs.
 */
export function suiteOverrides(presets: readonly PresetName[], flags: Omit<SpecFlags, 'preset'>): Record<string, unknown> {
  const overrides = overridesFrom(flags);
  const spec = resolveExperimentRequest({ preset: presets[0], ...overrides });
  if (overrides.epochs === undefined && spec.epochs !== PRESETS[presets[0]].epochs) {
    const steps = compareToCourse(spec)?.steps;
    process.stderr.write(
      `${spec.dataset}${spec.limit ? ` (first ${spec.limit} images)` : ''}: ${spec.epochs} epochs = ${steps} SGD steps, the course's ${courseSteps(presets[0])} on its larger set (override with --epochs).\n`,
    );
  }
  return overrides;
}

/** The suite's rows, trained here one after another; `exitCode` (130 / 143) when a signal stopped it (TrainingInterruptedError). */
async function runLocally(
  presets: readonly PresetName[],
  overrides: Record<string, unknown>,
  flags: ReportFlags,
): Promise<{ rows: ReportRow[]; exitCode?: number }> {
  // TF.js loads only for the commands that train (see main.ts).
  const { trainLocally, trainSamplesOnDisk } = await import('./local-training');
  const config = loadConfig({ ...process.env, ...(flags.dataDir ? { DATA_DIR: flags.dataDir } : {}) });
  const view = flags.json ? undefined : createProgressView();
  const rows: ReportRow[] = [];
  let exitCode: number | undefined;
  try {
    for (const preset of presets) {
      const spec = await withStepsOnDisk(preset, overrides, (s) => trainSamplesOnDisk(s, config.dataDir), flags.json);
      const label = PRESETS[preset].name;
      const t0 = Date.now();
      try {
        const result = await trainLocally(spec, config, flags.backend ?? config.backend, (e) => view?.onEvent(label, e), {
          quiet: flags.json,
          download: flags.download,
        });
        // Judged on the images the run loaded (the result's counts): the data dir's set may not be the canonical one.
        rows.push({ preset, label, result, wallSeconds: (Date.now() - t0) / 1000, comparison: compareToCourse(spec, result) });
      } catch (err) {
        rows.push({ preset, label, error: err instanceof Error ? err.message : String(err) });
        if (err instanceof TrainingInterruptedError) exitCode = err.exitCode;
        if (err instanceof TrainingCancelledError) break;
      }
    }
  } finally {
    view?.stop();
  }
  return { rows, exitCode };
}

/**
 * The preset's spec, its epochs (when --epochs is not given) by the course steps rule on the images
 * the data dir really holds (courseEpochs with the count on disk): a server's `mnist` may hold
 * 2,000 images where the name says 60,000. Says so on stderr when that changes the epochs.
 */
async function withStepsOnDisk(
  preset: PresetName,
  overrides: Record<string, unknown>,
  onDisk: (spec: ExperimentSpec) => Promise<number | undefined>,
  quiet?: boolean,
): Promise<ExperimentSpec> {
  const spec = resolveExperimentRequest({ preset, ...overrides });
  if (overrides.epochs !== undefined) return spec;
  const loaded = await onDisk(spec);
  if (loaded === undefined) return spec;
  const epochs = courseEpochs(preset, spec, loaded);
  if (epochs === spec.epochs) return spec;
  if (!quiet) {
    process.stderr.write(
      `${PRESETS[preset].name}: the data dir's ${spec.dataset} holds ${loaded.toLocaleString('en-US')} training images: ${epochs} epochs = ${trainingSteps({ ...spec, epochs }, loaded)} SGD steps, for the course's ${courseSteps(preset)} (override with --epochs).\n`,
    );
  }
  return resolveExperimentRequest({ preset, ...overrides, epochs });
}

async function runOnQueue(suite: string, presets: readonly PresetName[], overrides: Record<string, unknown>, flags: ReportFlags): Promise<ReportRow[]> {
  if (flags.backend || flags.dataDir || flags.download === false) throw new Error('--backend, --data-dir and --no-download are settings of the workers; use them with --local');
  const client = apiClient(flags);
  const { experiments } = await client.submitSuite(suite, overrides);
  if (!flags.json) process.stderr.write(`Submitted ${experiments.length} runs: ${experiments.map((e) => e.id).join(', ')}\n`);
  const finals = await watchRuns(client, experiments);
  return reportRows(presets, experiments, finals);
}
