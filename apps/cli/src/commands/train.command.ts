import type { Command } from 'commander';
import { loadConfig } from '@trainyard/config';
import { TrainingCancelledError, resolveExperimentRequest } from '@trainyard/contracts';
import { eventStamper } from '../output/event-stamp';
import { createProgressView, trainedOn } from '../output/progress-view';
import { requestFrom, specOptions, type SpecFlags } from './spec-options';

export function registerTrainCommand(program: Command): void {
  specOptions(program
      .command('train')
      .description(
        'train one experiment in this process (no queue), on TRAIN_THREADS data-parallel threads on wasm/cpu (default: the cores; warns if more)',
      ))
    .option('--json', 'print one JSON event a line, ending with a `completed` event')
    .option('--save <dir>', 'save the trained model (TF.js format) to this directory')
    .action(async (flags: SpecFlags & { save?: string }) => {
      const config = loadConfig({ ...process.env, ...(flags.dataDir ? { DATA_DIR: flags.dataDir } : {}) });
      const spec = resolveExperimentRequest(requestFrom(flags));
      // TF.js loads only for the commands that train (see main.ts).
      const { trainLocally } = await import('./local-training');
      const stamp = eventStamper('local');
      const view = flags.json ? undefined : createProgressView();
      const label = spec.name ?? flags.preset ?? spec.model.type;
      try {
        const result = await trainLocally(
          spec,
          config,
          flags.backend ?? config.backend,
          (e) => (flags.json ? process.stdout.write(`${JSON.stringify(stamp(e))}\n`) : view!.onEvent(label, e)),
          { quiet: flags.json, saveTo: flags.save, download: flags.download },
        );
        view?.stop();
        if (!flags.json) {
          process.stdout.write(
            `${label}: test accuracy ${(result.testAccuracy * 100).toFixed(2)}% (${result.correct}/${result.testSamples}), ` +
              `test loss ${result.testLoss.toFixed(4)}, ${result.params} params, ${Math.round(result.samplesPerSec)} img/s on ${trainedOn(result.backend, result.threads)}\n`,
          );
        }
      } catch (caught) {
        view?.stop();
        // Whoever trains in this process runs the machine: a missing or damaged data set gets the
        // TA's detail (the paths, what is wrong, the command that fixes it), not the student's message.
        const { DatasetUnavailableError } = await import('@trainyard/training');
        const err = caught instanceof DatasetUnavailableError ? new Error(caught.adminDetail) : caught;
        if (flags.json) process.stdout.write(`${JSON.stringify(stamp(failureEvent(err)))}\n`);
        throw err;
      }
    });
}

export function failureEvent(err: unknown) {
  const message = err instanceof Error ? err.message : String(err);
  return err instanceof TrainingCancelledError
    ? ({ type: 'cancelled', reason: message } as const)
    : ({ type: 'failed', error: message } as const);
}
