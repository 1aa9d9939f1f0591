import type { Command } from 'commander';
import { ApiError, describeEstimate, resolveExperimentRequest, shortId, type ExperimentEvent, type ExperimentView, type RunFilter } from '@trainyard/contracts';
import type { ApiClient } from '../api/api-client';
import { resolveExperimentId } from '../api/resolve-experiment-id';
import { formatExperiment, formatList, listedRuns } from '../output/experiment-summary';
import { terminalWidth } from '../output/wrap-text';
import { apiClient, apiOptions, type ApiFlags } from './api-options';
import { LOCAL_RUN_FLAGS, refuseFlags, requestFrom, specOptions, type SpecFlags } from './spec-options';
import { watchRuns } from './watch-runs';

const pct = (v?: number) => (v === undefined ? '' : `${(v * 100).toFixed(2)}%`);

function summary(e: ExperimentView): string {
  const eta = e.estimatedStartAt ? `, starts about ${new Date(e.estimatedStartAt).toLocaleTimeString()}` : '';
  const where = e.status === 'queued' && e.position ? ` (position ${e.position}${eta})` : e.status === 'running' && e.worker ? ` on ${e.worker}` : '';
  const acc = e.result ? ` ${pct(e.result.testAccuracy)}` : e.error ? ` ${e.error}` : '';
  return `${e.id}  ${e.status}${where}  ${e.spec.name ?? e.spec.model.type} [${e.spec.dataset}, ${e.spec.epochs} epoch(s)]${acc}`;
}

/**
 * The line under a submitted run: how long it is estimated to take and on what basis
 * (`estimate: about 12 min (measured on wasm)`), or that no worker has measured it yet, in which
 * case the class's time limit was not applied. Empty for an API that sends no estimate.
 */
export function estimateLine(e: ExperimentView): string {
  if (!e.estimate) return '';
  const unlimited = e.estimate.basis === 'none' ? ' (so the class’s time limit was not applied)' : '';
  return `estimate: ${describeEstimate(e.estimate)}${unlimited}\n`;
}

/** Follows runs to their end; the exit code is 1 unless every one completed. */
async function follow(client: ApiClient, runs: ExperimentView[]): Promise<void> {
  const finals = await watchRuns(client, runs);
  for (const run of runs) {
    const final = finals.get(run.id);
    if (final?.type === 'completed') {
      const r = final.result;
      const who = runs.length > 1 ? `${shortId(run.id)}: ` : '';
      process.stdout.write(`${who}test accuracy ${pct(r.testAccuracy)} (${r.correct}/${r.testSamples}), ${r.params} params, ${Math.round(r.samplesPerSec)} img/s on ${r.backend}\n`);
    } else {
      // The progress view has printed the failure reason whole.
      process.exitCode = 1;
    }
  }
}

const LOCAL_ONLY = 'settings of the workers that train queued runs, not of a run; use them with `trainyard train`';

/** submit, list, show, watch, raise and cancel: the queue, over the HTTP API. Ids may be any unique prefix. */
export function registerQueueCommands(program: Command): void {
  apiOptions(specOptions(program.command('submit').description('queue an experiment on the class servers'), { local: false }))
    .option('--watch', 'follow its progress until it finishes (Ctrl-C stops watching; the run goes on)')
    .option('--json', 'print the created experiment as JSON')
    .action(async (flags: SpecFlags & ApiFlags & { watch?: boolean }, cmd: Command) => {
      refuseFlags(cmd, LOCAL_RUN_FLAGS, LOCAL_ONLY);
      const request = requestFrom(flags);
      // Validated here against the one schema, as the API does: bad values get its messages, exit 2, and nothing is sent.
      resolveExperimentRequest(request);
      const client = apiClient(flags);
      const created = await client.submit(request);
      process.stdout.write(flags.json ? `${JSON.stringify(created)}\n` : `${summary(created)}\n${estimateLine(created)}`);
      if (flags.watch) await follow(client, [created]);
    });

  apiOptions(program.command('list').description('your experiments (a TA: everyone’s), newest first, a suite in course order'))
    .option('--status <status>', 'only runs with this status: queued, running, completed, failed, cancelled')
    .option('--owner <name>', 'only this student’s runs (TAs)')
    .option('--model <type>', 'only this model: fc2layer, cnn, cifar-cnn, vgg16')
    .option('--dataset <name>', 'only runs on this data set')
    .option('--tag <tag>', 'only runs with this tag')
    .option('--json', 'print JSON (the API’s records, filtered and ordered as listed)')
    .action(async (flags: ApiFlags & RunFilter & { json?: boolean }) => {
      const client = apiClient(flags);
      // Who asks decides the columns: a TA's list holds the whole class, so it names each owner.
      const [all, me] = await Promise.all([client.list(), flags.json ? undefined : client.me()]);
      const rows = listedRuns(all, flags);
      if (flags.json) return void process.stdout.write(`${JSON.stringify(rows)}\n`);
      if (!rows.length) {
        return void process.stdout.write(all.length ? `none of the ${all.length} experiment(s) you can see match these filters\n` : 'no experiments yet: try `trainyard submit --preset mnist-cnn --watch`\n');
      }
      // A running run's progress is its last event; queued and finished runs need none.
      const last = new Map<string, ExperimentEvent>();
      await Promise.all(
        rows
          .filter((r) => r.status === 'running')
          .map(async (r) => {
            const events = await client.events(r.id).catch(() => []);
            const latest = events.filter((e) => e.type === 'progress' || e.type === 'epoch').at(-1);
            if (latest) last.set(r.id, latest);
          }),
      );
      process.stdout.write(`${formatList(rows, last, { owner: me?.role === 'admin' })}\n`);
    });

  apiOptions(program.command('show').argument('<id>', 'any unique start of the id').description('one experiment: status, settings, epochs, result'))
    .option('--json', 'print the API’s record as JSON')
    .option('--events', 'with --json: include its full event history; else list its events')
    .action(async (typed: string, flags: ApiFlags & { json?: boolean; events?: boolean }) => {
      const client = apiClient(flags);
      const id = await resolveExperimentId(typed, () => client.list());
      const experiment = await client.get(id);
      // The readable view needs the events: the per-epoch table of an unfinished run, and the
      // data-set warnings of `started` (a completed run carries its own epochs, not those).
      const events = flags.events || !flags.json ? await client.events(id) : undefined;
      if (flags.json) return void process.stdout.write(`${JSON.stringify(flags.events ? { ...experiment, events } : experiment, null, 2)}\n`);
      process.stdout.write(`${formatExperiment(experiment, events, terminalWidth())}\n`);
      if (flags.events) {
        process.stdout.write('\nevents:\n');
        for (const { id: _id, seq, at, type, ...rest } of events ?? []) process.stdout.write(`  ${String(seq).padStart(4)}  ${at}  ${type.padEnd(9)} ${JSON.stringify(rest)}\n`);
      }
    });

  apiOptions(program.command('watch').argument('<ids...>', 'runs to follow (any unique start of each id)').description('follow runs live until they finish (Ctrl-C stops watching, not the runs)'))
    .action(async (typed: string[], flags: ApiFlags) => {
      const client = apiClient(flags);
      let listed: Promise<ExperimentView[]> | undefined;
      const list = () => (listed ??= client.list());
      const ids = [...new Set(await Promise.all(typed.map((t) => resolveExperimentId(t, list))))];
      await follow(client, await Promise.all(ids.map((id) => client.get(id))));
    });

  apiOptions(program.command('raise').argument('<id>', 'any unique start of the id').description('TAs: move a queued experiment to the front of the queue'))
    .action(async (typed: string, flags: ApiFlags) => {
      const client = apiClient(flags);
      process.stdout.write(`${summary(await client.raise(await resolveExperimentId(typed, () => client.list())))}\n`);
    });

  apiOptions(program.command('cancel').argument('<id>', 'any unique start of the id').description('cancel a queued or running experiment'))
    .action(async (typed: string, flags: ApiFlags) => {
      const client = apiClient(flags);
      const id = await resolveExperimentId(typed, () => client.list());
      try {
        const res = await client.cancel(id);
        process.stdout.write(res.cancel === 'cancelled' ? `${id}: cancelled\n` : `${id}: cancel requested; its worker stops after the current batch\n`);
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) throw new Error(`${id} has already finished`);
        throw err;
      }
    });
}
