import { PUBLISHED, type ExperimentEvent, type PresetName } from '@trainyard/contracts';
import type { ApiClient, ExperimentView } from '../api/api-client';
import { watchExperiments } from '../api/experiment-watcher';
import { createProgressView } from '../output/progress-view';
import type { ReportRow } from '../output/results-table';

/** Live progress bars for queued runs until every one has finished; returns their final events. */
export async function watchRuns(client: ApiClient, runs: ExperimentView[]): Promise<Map<string, ExperimentEvent>> {
  const view = createProgressView();
  const labels = new Map(runs.map((r) => [r.id, r.spec.name ?? r.id.slice(0, 8)]));
  const watcher = watchExperiments(client.baseUrl, client.token, runs.map((r) => r.id), (e) => view.onEvent(labels.get(e.id)!, e));
  const stop = () => watcher.close();
  process.once('SIGINT', stop);
  try {
    return await watcher.done;
  } finally {
    process.off('SIGINT', stop);
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
      return { preset, label, result: final.result, wallSeconds: wall };
    }
    const error = final?.type === 'failed' ? final.error : final?.type ?? 'unfinished';
    return { preset, label, error: `${error} (published ${PUBLISHED[preset].testAccuracy})` };
  });
}
