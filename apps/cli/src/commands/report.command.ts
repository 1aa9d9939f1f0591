import type { Command } from 'commander';
import { loadConfig } from '@trainyard/config';
import { BUNDLED_MNIST_STEP_MATCHED_EPOCHS, PRESETS, resolveExperimentRequest, SUITE_NAMES, SUITES, type SuiteName } from '@trainyard/contracts';
import { createProgressView } from '../output/progress-view';
import { formatResultsTable, type ReportRow } from '../output/results-table';
import { trainLocally } from './local-training';
import { overridesFrom, specOptions, type SpecFlags } from './spec-options';

export function registerReportCommand(program: Command): void {
  specOptions(
    program
      .command('report')
      .argument('<suite>', `the suite to run: ${SUITE_NAMES.join(', ')}`)
      .description("run a course suite and print its results table beside the course's published numbers"),
    { preset: false },
  )
    .option('--local', 'train in this process instead of on the queue')
    .option('--json', 'print the rows as JSON instead of a table')
    .action(async (suite: string, flags: Omit<SpecFlags, 'preset'> & { local?: boolean }) => {
      if (!(SUITE_NAMES as string[]).includes(suite)) {
        throw new Error(`unknown suite "${suite}": choose one of ${SUITE_NAMES.join(', ')}`);
      }
      if (!flags.local) throw new Error('only `--local` is available until the queue service is configured (see README)');
      const config = loadConfig({ ...process.env, ...(flags.dataDir ? { DATA_DIR: flags.dataDir } : {}) });
      const overrides = overridesFrom({ ...flags, preset: '' } as SpecFlags);
      const dataset = (overrides.dataset as string | undefined) ?? PRESETS[SUITES[suite as SuiteName][0]].dataset;
      if (dataset === 'mnist-bundled' && overrides.epochs === undefined) {
        overrides.epochs = BUNDLED_MNIST_STEP_MATCHED_EPOCHS;
        process.stderr.write(
          `Bundled digits: ${BUNDLED_MNIST_STEP_MATCHED_EPOCHS} epochs over ~8,000 images ≈ the course's one epoch over 60,000 in SGD steps (override with --epochs).\n`,
        );
      }
      const specs = SUITES[suite as SuiteName].map((preset) => ({ preset, spec: resolveExperimentRequest({ preset, ...overrides }) }));
      const view = flags.json ? undefined : createProgressView();
      const rows: ReportRow[] = [];
      for (const { preset, spec } of specs) {
        const label = PRESETS[preset].name;
        const t0 = Date.now();
        try {
          const result = await trainLocally(spec, config, flags.backend ?? config.backend, (e) => view?.onEvent(label, e), {
            quiet: flags.json,
            download: flags.download,
          });
          rows.push({ preset, label, result, wallSeconds: (Date.now() - t0) / 1000 });
        } catch (err) {
          rows.push({ preset, label, error: err instanceof Error ? err.message : String(err) });
          if (err instanceof Error && err.name === 'TrainingCancelledError') break;
        }
      }
      view?.stop();
      if (flags.json) process.stdout.write(`${JSON.stringify(rows.map(({ result, ...r }) => ({ ...r, ...(result ? { result } : {}) })))}\n`);
      else process.stdout.write(`\n${formatResultsTable(rows, `${dataset}, ${specs[0]?.spec.epochs} epoch(s)`)}\n`);
      if (rows.some((r) => !r.result)) process.exitCode = 1;
    });
}
