import { compareToCourse, PUBLISHED, shortId, type ExperimentEvent, type ExperimentView, type PresetName } from '@trainyard/contracts';
import type { ApiClient } from '../api/api-client';
import { createProgressView } from '../output/progress-view';
import type { ReportRow } from '../output/results-table';

/**
 * Ctrl-C while watching: the runs go on on the servers; only this terminal stops following them.
 * main.ts prints the message and exits 130 (128 + SIGINT, the shell's convention).
 */
export class WatchInterruptedError extends Error {
  readonly exitCode = 130;

  constructor(ids: string[]) {
    const short = ids.map(shortId).join(' ');
    const one = ids.length === 1;
    super(
      `stopped watching; ${one ? 'the run goes' : 'the runs go'} on on the class servers. ` +
        `Follow ${one ? 'it' : 'them'} again with \`trainyard watch ${short}\`, or stop ${one ? 'it' : 'them'} with \`trainyard cancel ${short}\`.`,
    );
    this.name = 'WatchInterruptedError';
  }
}

/**
 * Live progress bars for queued runs until every one has finished; returns their final events.
 * The first Ctrl-C stops the bars and rejects with WatchInterruptedError (unless `detachOnInterrupt`
 * is false: the demo has its own Ctrl-C, which stops its services).
 */
export async function watchRuns(
  client: ApiClient,
  runs: ExperimentView[],
  { detachOnInterrupt = true } = {},
): Promise<Map<string, ExperimentEvent>> {
  // Listening first: a Ctrl-C while the watcher loads must not end the process without a word.
  let interrupt!: (err: Error) => void;
  const interrupted = new Promise<never>((_, reject) => (interrupt = reject));
  let close = () => {};
  const onSigint = () => {
    close();
    interrupt(new WatchInterruptedError(runs.map((r) => r.id)));
  };
  if (detachOnInterrupt) process.once('SIGINT', onSigint);
  const view = createProgressView();
  try {
    // socket.io-client is loaded only by the commands that follow runs live.
    const { watchExperiments } = await import('../api/experiment-watcher');
    const labels = new Map(runs.map((r) => [r.id, r.spec.name ? `${r.spec.name} ${shortId(r.id)}` : shortId(r.id)]));
    const watcher = watchExperiments(client.baseUrl, client.token, runs.map((r) => r.id), (e) => view.onEvent(labels.get(e.id)!, e));
    close = () => watcher.close();
    return await Promise.race([watcher.done, interrupted]);
  } finally {
    process.off('SIGINT', onSigint);
    view.stop();
  }
}

/** Report rows from finished runs, in the suite's order. */
export function reportRows(presets: readonly PresetName[], runs: ExperimentView[], finals: Map<string, ExperimentEvent>): ReportRow[] {
  return presets.map((preset, i) => {
    const run = runs[i];
    const final = finals.get(run.id);
    const label = run.spec.name ?? preset;
    if (final?.type === 'completed') {
      const wall = final.result.seconds;
      // On the images the worker loaded (the result's counts), which its data dir decides.
      return { preset, label, result: final.result, wallSeconds: wall, comparison: compareToCourse(run.spec, final.result) };
    }
    const error = final?.type === 'failed' ? final.error : final?.type ?? 'unfinished';
    return { preset, label, error: `${error} (published ${PUBLISHED[preset].testAccuracy})` };
  });
}
