import type { JSX } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, isTerminal, shortId, type ExperimentView } from '@trainyard/contracts';
import { downloadText, toCsv } from '../components/chart-data';
import { describeData, describeModel, runName } from '../components/run-label';
import { ProgressBar } from '../components/progress-bar';
import { StatusBadge } from '../components/status-badge';
import { duration, pct, since } from '../format';
import { compareHref, navigate } from '../router';
import { useSession } from '../session';
import { applyRunQuery, facet, parseRunQuery, RUN_SORTS, runQueryString, type RunQuery } from '../state/run-filter';
import { queuePosition } from '../state/queue-position';
import { useExperiments } from '../state/use-experiments';
import { useRunState } from '../state/use-run-state';

export function RunsPage() {
  const { me } = useSession();
  const { records, error, reload } = useExperiments();
  const [selected, setSelected] = useState<string[]>([]);
  const [query, setQuery] = useRunQuery();
  const toggle = (id: string) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));
  const admin = me.role === 'admin';
  const shown = useMemo(() => (records ? applyRunQuery(records, query) : []), [records, query]);
  return (
    <section>
      <div class="page-head">
        <h1>{admin ? 'All runs' : 'My runs'}</h1>
        <div class="actions">
          <button disabled={selected.length < 2} onClick={() => navigate(compareHref(selected))} data-testid="compare-selected">
            Compare {selected.length > 1 ? `${selected.length} runs` : 'selected'}
          </button>
          <button disabled={shown.length === 0} onClick={() => exportRuns(shown)} data-testid="runs-csv">
            CSV
          </button>
          <a class="button primary" href="/submit">
            New run
          </a>
        </div>
      </div>
      {error && <p class="form-error">Could not load your runs: {error}</p>}
      {!records ? (
        <p class="muted">Loading…</p>
      ) : records.length === 0 ? (
        <div class="card empty">
          <p>No runs yet.</p>
          <p>
            <a href="/submit">Submit your first experiment</a>: the course presets are one click away.
          </p>
        </div>
      ) : (
        <>
          <RunFilters records={records} query={query} onChange={setQuery} admin={admin} shown={shown.length} />
          <div class="card table-card">
            <table class="runs" data-testid="runs">
              <RunTableHead owner={admin} />
              <tbody>
                {shown.map((r) => (
                  <RunRow key={r.id} record={r} selected={selected.includes(r.id)} onToggle={() => toggle(r.id)} onChanged={reload} ownerColumn={admin} annotate />
                ))}
              </tbody>
            </table>
            {shown.length === 0 && <p class="empty-note muted">No run matches this view.</p>}
          </div>
        </>
      )}
    </section>
  );
}

/** The list's view in the URL's query (replaceState: reload and share keep it; Back does not replay keystrokes). */
function useRunQuery(): [RunQuery, (q: RunQuery) => void] {
  const [query, setQueryState] = useState(() => parseRunQuery(location.search));
  useEffect(() => {
    const onPop = () => setQueryState(parseRunQuery(location.search));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  const setQuery = (q: RunQuery) => {
    setQueryState(q);
    history.replaceState(null, '', `${location.pathname}${runQueryString(q)}`);
  };
  return [query, setQuery];
}

function RunFilters({ records, query, onChange, admin, shown }: { records: ExperimentView[]; query: RunQuery; onChange(q: RunQuery): void; admin: boolean; shown: number }) {
  const set = (field: keyof RunQuery) => (e: { currentTarget: { value: string } }) => onChange({ ...query, [field]: e.currentTarget.value });
  const select = (field: 'status' | 'model' | 'dataset' | 'owner' | 'tag', label: string, values: string[]) => (
    <label>
      {label}
      <select value={query[field]} onChange={set(field)} data-testid={`filter-${field}`}>
        <option value="">any</option>
        {values.map((v) => (
          <option key={v} value={v}>
            {v}
          </option>
        ))}
      </select>
    </label>
  );
  const filtered = runQueryString({ ...query, sort: 'newest' }) !== '';
  return (
    <div class="card run-filters" data-testid="run-filters">
      <input type="search" placeholder="Search name, tag, note, id…" aria-label="Search runs" value={query.q} onInput={set('q')} data-testid="run-search" />
      {select('status', 'status', facet(records, (r) => r.status))}
      {select('model', 'model', facet(records, (r) => r.spec.model.type))}
      {select('dataset', 'data set', facet(records, (r) => r.spec.dataset))}
      {admin && select('owner', 'owner', facet(records, (r) => r.owner))}
      {select('tag', 'tag', facet(records, (r) => r.tags))}
      <label>
        sort
        <select value={query.sort} onChange={set('sort')} data-testid="run-sort">
          {Object.entries(RUN_SORTS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <span class="muted small" data-testid="run-count">
        {shown} of {records.length}
        {filtered && (
          <>
            {' '}
            ·{' '}
            <button type="button" class="link-inline" onClick={() => onChange(parseRunQuery(''))}>
              clear
            </button>
          </>
        )}
      </span>
    </div>
  );
}

/** The shown runs as CSV: what the table says, one row each, for a spreadsheet. */
function exportRuns(runs: ExperimentView[]) {
  const header = ['id', 'name', 'owner', 'status', 'model', 'dataset', 'epochs', 'batch size', 'limit', 'test accuracy', 'test loss', 'params', 'seconds', 'tags', 'note', 'created'];
  const rows = runs.map((r) => [
    r.id, runName(r.spec), r.owner, r.status, r.spec.model.type, r.spec.dataset, r.spec.epochs, r.spec.batchSize, r.spec.limit,
    r.result?.testAccuracy, r.result?.testLoss, r.result?.params, r.result?.seconds, (r.tags ?? []).join(' '), r.note, r.createdAt,
  ]);
  downloadText('runs.csv', toCsv(header, rows));
}

/** One run: the record paints at once; the socket then brings live status and progress. */
/** The column heads over RunRow, here and on the TAs' queue page. */
export function RunTableHead({ index = '', progress = 'Progress', owner }: { index?: string; progress?: string; owner?: boolean }) {
  return (
    <thead>
      <tr>
        <th class="narrow">{index}</th>
        <th>Run</th>
        {owner && <th>Owner</th>}
        <th>Status</th>
        <th class="wide">{progress}</th>
        <th>Test accuracy</th>
        <th>Submitted</th>
        <th />
      </tr>
    </thead>
  );
}

/**
 * `showOwner`: the owner in the run's sub-line (the queue page); `ownerColumn`: in a column of its
 * own (the TAs' runs list). `annotate`: tags and note, editable by the owner or a TA.
 */
export function RunRow(props: {
  record: ExperimentView;
  selected?: boolean;
  onToggle?(): void;
  onChanged(): void;
  showOwner?: boolean;
  ownerColumn?: boolean;
  annotate?: boolean;
  extra?: JSX.Element;
  index?: string | number;
  livePosition?: number;
}) {
  const { record, selected, onToggle, onChanged, showOwner, ownerColumn, annotate, extra, index, livePosition } = props;
  const [editing, setEditing] = useState(false);
  const { api } = useSession();
  const live = !isTerminal(record.status);
  const { state } = useRunState(record.id, live);
  const status = state?.status ?? record.status;
  const result = state?.result ?? record.result;
  const [busy, setBusy] = useState(false);
  const cancel = async () => {
    setBusy(true);
    try {
      await api.cancel(record.id);
    } catch (err) {
      alert(`Cancel failed: ${(err as Error).message}`);
    } finally {
      setBusy(false);
      onChanged();
    }
  };
  return (
    <>
      <tr data-run={record.id} data-status={status}>
        <td class="narrow">{onToggle ? <input type="checkbox" aria-label="select for comparison" checked={selected} onChange={onToggle} /> : index}</td>
        <td>
          <a href={`/runs/${record.id}`} class="run-name">
            {runName(record.spec)}
          </a>
          <div class="sub">
            {describeModel(record.spec)} · {describeData(record.spec)}
            {showOwner && <> · {record.owner}</>} · <code>{shortId(record.id)}</code>
          </div>
          {annotate && <Annotation record={record} />}
        </td>
        {ownerColumn && <td data-testid="owner">{record.owner}</td>}
        <td>
          <StatusBadge status={status} position={livePosition ?? queuePosition(record, state)} positionNote="position in the queue now" />
        </td>
        <td class="wide">
          {status === 'running' || (status === 'completed' && state?.progress) ? (
            <ProgressBar progress={state?.progress} compact />
          ) : status === 'completed' ? (
            <DoneBar record={record} />
          ) : status === 'failed' || status === 'cancelled' ? (
            <span class="muted small">{state?.error ?? record.error}</span>
          ) : null}
        </td>
        <td class="num">{result ? pct(result.testAccuracy) : '–'}</td>
        <td class="muted small">{since(record.createdAt)}</td>
        <td class="actions-cell">
          {!isTerminal(status) && (
            <button class="small danger-outline" onClick={cancel} disabled={busy || record.cancelRequested}>
              {record.cancelRequested ? 'Cancelling…' : 'Cancel'}
            </button>
          )}
          {annotate && (
            <button class="small" onClick={() => setEditing((e) => !e)} aria-expanded={editing} data-testid="annotate">
              Tags & note
            </button>
          )}
          {extra}
        </td>
      </tr>
      {editing && (
        <tr class="annotate-row" data-annotate={record.id}>
          <td />
          <td colSpan={ownerColumn ? 7 : 6}>
            <AnnotationForm
              record={record}
              onDone={(saved) => {
                setEditing(false);
                if (saved) onChanged();
              }}
            />
          </td>
        </tr>
      )}
    </>
  );
}

/** A finished run's bar: full, with its epochs and time (no progress event is needed for that). */
function DoneBar({ record }: { record: ExperimentView }) {
  const { epochs } = record.spec;
  return (
    <div class="progress progress-compact" data-testid="progress">
      <div class="progress-track" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={100} data-value={100}>
        <div class="progress-fill progress-full" />
      </div>
      <div class="progress-text">
        <span>
          epoch {epochs}/{epochs}
        </span>
        <span>done{record.result ? ` in ${duration(record.result.seconds)}` : ''}</span>
      </div>
    </div>
  );
}

/** Tags (each a link to the list filtered by it) and the note, under the run's name. */
function Annotation({ record }: { record: ExperimentView }) {
  if (!record.tags?.length && !record.note) return null;
  return (
    <div class="annotation">
      {record.tags?.map((t) => (
        <a key={t} class="tag" href={`/?tag=${encodeURIComponent(t)}`} data-tag={t}>
          {t}
        </a>
      ))}
      {record.note && (
        <span class="note" data-testid="note">
          {record.note}
        </span>
      )}
    </div>
  );
}

function AnnotationForm({ record, onDone }: { record: ExperimentView; onDone(saved: boolean): void }) {
  const { api } = useSession();
  const [tags, setTags] = useState((record.tags ?? []).join(', '));
  const [note, setNote] = useState(record.note ?? '');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      await api.annotate(record.id, { tags: tags.split(',').map((t) => t.trim()).filter(Boolean), note });
      onDone(true);
    } catch (err) {
      // A 400 names the field (tags.1, note): say which tag is wrong, in the API's words.
      const issues = err instanceof ApiError ? err.issues : [];
      setError(issues.length ? issues.map((i) => `${i.path}: ${i.message}`).join('; ') : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="annotate-form" onSubmit={save} data-testid="annotate-form">
      <label>
        tags <span class="hint">comma-separated</span>
        <input type="text" name="tags" value={tags} onInput={(e) => setTags(e.currentTarget.value)} placeholder="baseline, lr:0.1" />
      </label>
      <label>
        note
        <textarea name="note" rows={2} maxLength={2000} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      </label>
      <div class="inline-controls">
        <button type="submit" class="primary small" disabled={busy}>
          Save
        </button>
        <button type="button" class="small" onClick={() => onDone(false)}>
          Cancel
        </button>
        {error && (
          <span class="form-error" data-testid="annotate-error">
            {error}
          </span>
        )}
      </div>
    </form>
  );
}
