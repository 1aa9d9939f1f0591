import { matchesRunFilter, newestFirst, suiteOrder, type ExperimentView } from '@trainyard/contracts';

// The order and the filters are libs/contracts' (run-order.ts), shared with `trainyard list`.
export { suiteOrder };

/**
 * The runs list's view: search, filters and sort, kept in the URL's query so that a view can be
 * reloaded and shared (`/?q=cnn&status=completed&sort=accuracy`). Empty fields are left out.
 */
export interface RunQuery {
  /** Words that must all appear in the run's name, model, data set, owner, tags, note or id. */
  q: string;
  status: string;
  /** ModelSpec type: fc2layer, cnn, cifar-cnn, vgg16. */
  model: string;
  dataset: string;
  owner: string;
  tag: string;
  sort: RunSort;
}

export const RUN_SORTS = {
  newest: 'newest first',
  oldest: 'oldest first',
  accuracy: 'best test accuracy',
  name: 'name',
  status: 'status',
} as const;
export type RunSort = keyof typeof RUN_SORTS;

const FIELDS = ['q', 'status', 'model', 'dataset', 'owner', 'tag'] as const;

export function parseRunQuery(search: string): RunQuery {
  const params = new URLSearchParams(search);
  const sort = params.get('sort') ?? '';
  const query = { sort: (Object.hasOwn(RUN_SORTS, sort) ? sort : 'newest') as RunSort } as RunQuery;
  for (const f of FIELDS) query[f] = params.get(f)?.trim() ?? '';
  return query;
}

/** The query string for a view ('' for the default one), fields in a fixed order. */
export function runQueryString(query: RunQuery): string {
  const params = new URLSearchParams();
  for (const f of FIELDS) if (query[f]) params.set(f, query[f]);
  if (query.sort !== 'newest') params.set('sort', query.sort);
  const s = params.toString();
  return s ? `?${s}` : '';
}

const haystack = (r: ExperimentView) =>
  [r.spec.name, r.spec.model.type, r.spec.dataset, r.owner, r.id, r.note, r.status, ...(r.tags ?? [])].filter(Boolean).join(' ').toLowerCase();

/** The runs the view shows, in its order. */
export function applyRunQuery(records: readonly ExperimentView[], query: RunQuery): ExperimentView[] {
  const words = query.q.toLowerCase().split(/\s+/).filter(Boolean);
  const shown = records.filter(
    (r) =>
      matchesRunFilter(r, query) &&
      words.every((w) => haystack(r).includes(w)),
  );
  return sortRuns(shown, query.sort);
}

export function sortRuns(records: readonly ExperimentView[], sort: RunSort): ExperimentView[] {
  const created = (r: ExperimentView) => Date.parse(r.createdAt);
  const bySuite = (a: ExperimentView, b: ExperimentView) => suiteOrder(a) - suiteOrder(b);
  const compare: Record<RunSort, (a: ExperimentView, b: ExperimentView) => number> = {
    newest: newestFirst,
    oldest: (a, b) => created(a) - created(b) || bySuite(a, b),
    accuracy: (a, b) => (b.result?.testAccuracy ?? -1) - (a.result?.testAccuracy ?? -1) || created(b) - created(a),
    name: (a, b) => (a.spec.name ?? a.spec.model.type).localeCompare(b.spec.name ?? b.spec.model.type) || created(b) - created(a),
    status: (a, b) => a.status.localeCompare(b.status) || created(b) - created(a),
  };
  return [...records].sort(compare[sort]);
}

/** The distinct values of a field among the runs, sorted: the options of a filter. */
export function facet(records: readonly ExperimentView[], pick: (r: ExperimentView) => string | string[] | undefined): string[] {
  return [...new Set(records.flatMap((r) => pick(r) ?? []))].sort();
}
