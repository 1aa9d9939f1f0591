import type { Command } from 'commander';
import { ApiError, type ExperimentView } from '../api/api-client';
import { apiClient, apiOptions, type ApiFlags } from './api-options';
import { overridesFrom, specOptions, type SpecFlags } from './spec-options';
import { watchRuns } from './watch-runs';

const pct = (v?: number) => (v === undefined ? '' : `${(v * 100).toFixed(2)}%`);

function summary(e: ExperimentView): string {
  const eta = e.estimatedStartAt ? `, starts about ${new Date(e.estimatedStartAt).toLocaleTimeString()}` : '';
  const where = e.status === 'queued' && e.position ? ` (position ${e.position}${eta})` : e.status === 'running' && e.worker ? ` on ${e.worker}` : '';
  const acc = e.result ? ` ${pct(e.result.testAccuracy)}` : e.error ? ` ${e.error}` : '';
  return `${e.id}  ${e.status}${where}  ${e.spec.name ?? e.spec.model.type} [${e.spec.dataset}, ${e.spec.epochs} epoch(s)]${acc}`;
}

/** submit, list, show and cancel: the queue, over the HTTP API. */
export function registerQueueCommands(program: Command): void {
  apiOptions(specOptions(program.command('submit').description('queue an experiment on the class servers')))
    .option('--watch', 'follow its progress until it finishes')
    .option('--json', 'print the created experiment as JSON')
    .action(async (flags: SpecFlags & ApiFlags & { watch?: boolean }) => {
      const client = apiClient(flags);
      const created = await client.submit({ preset: flags.preset, ...overridesFrom(flags) });
      process.stdout.write(flags.json ? `${JSON.stringify(created)}\n` : `${summary(created)}\n`);
      if (!flags.watch) return;
      const finals = await watchRuns(client, [created]);
      const final = finals.get(created.id);
      if (final?.type === 'completed') {
        const r = final.result;
        process.stdout.write(`test accuracy ${pct(r.testAccuracy)} (${r.correct}/${r.testSamples}), ${r.params} params, ${Math.round(r.samplesPerSec)} img/s on ${r.backend}\n`);
      } else {
        process.exitCode = 1;
      }
    });

  apiOptions(program.command('list').description('your experiments, newest first'))
    .option('--json', 'print JSON')
    .action(async (flags: ApiFlags & { json?: boolean }) => {
      const rows = await apiClient(flags).list();
      if (flags.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
      else process.stdout.write(rows.length ? `${rows.map(summary).join('\n')}\n` : 'no experiments yet: try `trainyard submit --preset mnist-cnn --watch`\n');
    });

  apiOptions(program.command('show').argument('<id>').description('one experiment: status, result and spec'))
    .option('--events', 'include its full event history')
    .action(async (id: string, flags: ApiFlags & { events?: boolean }) => {
      const client = apiClient(flags);
      const experiment = await client.get(id);
      const events = flags.events ? await client.events(id) : undefined;
      process.stdout.write(`${JSON.stringify(events ? { ...experiment, events } : experiment, null, 2)}\n`);
    });

  apiOptions(program.command('raise').argument('<id>').description('TAs: move a queued experiment to the front of the queue'))
    .action(async (id: string, flags: ApiFlags) => {
      process.stdout.write(`${summary(await apiClient(flags).raise(id))}\n`);
    });

  apiOptions(program.command('cancel').argument('<id>').description('cancel a queued or running experiment'))
    .action(async (id: string, flags: ApiFlags) => {
      try {
        const res = await apiClient(flags).cancel(id);
        process.stdout.write(res.cancel === 'cancelled' ? `${id}: cancelled\n` : `${id}: cancel requested; its worker stops after the current batch\n`);
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) throw new Error(`${id} has already finished`);
        throw err;
      }
    });
}
