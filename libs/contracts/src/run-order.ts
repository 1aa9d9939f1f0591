import type { ExperimentView } from './experiment-record';
import { PRESETS, SUITES } from './presets';

// How every list of runs is ordered and filtered: the dashboard's runs list and `trainyard list`.

/**
 * A run's place in its suite's course order (week2-mnist: FC, CNN, FC permuted, CNN permuted),
 * 0 for a run of no known suite. A suite's runs share one creation time, so newest-first alone
 * would leave them in whatever order they were stored in.
 */
export function suiteOrder(r: ExperimentView): number {
  if (!r.suite || !Object.hasOwn(SUITES, r.suite)) return 0;
  const presets = SUITES[r.suite as keyof typeof SUITES];
  // A suite's runs carry their preset's name (presetSpec sets it), which finds the preset.
  const i = presets.findIndex((p) => PRESETS[p].name === r.spec.name);
  return i < 0 ? presets.length : i;
}

/** Newest first; runs created together (a suite) in the course's order (suiteOrder). */
export const newestFirst = (a: ExperimentView, b: ExperimentView): number =>
  Date.parse(b.createdAt) - Date.parse(a.createdAt) || suiteOrder(a) - suiteOrder(b);

/** Exact-match filters on a run; an empty or missing field matches every run. `model` is a ModelSpec type. */
export interface RunFilter {
  status?: string;
  owner?: string;
  model?: string;
  dataset?: string;
  tag?: string;
}

export function matchesRunFilter(r: ExperimentView, f: RunFilter): boolean {
  return (
    (!f.status || r.status === f.status) &&
    (!f.owner || r.owner === f.owner) &&
    (!f.model || r.spec.model.type === f.model) &&
    (!f.dataset || r.spec.dataset === f.dataset) &&
    (!f.tag || (r.tags ?? []).includes(f.tag))
  );
}
