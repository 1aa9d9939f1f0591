import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { ExperimentRecord } from '../api/api-client';
import { describeData, describeModel, runName } from '../components/run-label';
import { ProgressBar } from '../components/progress-bar';
import { StatusBadge } from '../components/status-badge';
import { pct, shortId, since } from '../format';
import { compareHref, navigate } from '../router';
import { useSession } from '../session';
import { TERMINAL } from '../state/run-state';
import { useExperiments } from '../state/use-experiments';
import { useRunState } from '../state/use-run-state';

export function RunsPage() {
  const { records, error, reload } = useExperiments();
  const [selected, setSelected] = useState<string[]>([]);
  const toggle = (id: string) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));
  return (
    <section>
      <div class="page-head">
        <h1>My runs</h1>
        <div class="actions">
          <button disabled={selected.length < 2} onClick={() => navigate(compareHref(selected))} data-testid="compare-selected">
            Compare {selected.length > 1 ? `${selected.length} runs` : 'selected'}
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
        <div class="card table-card">
          <table class="runs" data-testid="runs">
            <RunTableHead />
            <tbody>
              {records.map((r) => (
                <RunRow key={r.id} record={r} selected={selected.includes(r.id)} onToggle={() => toggle(r.id)} onChanged={reload} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** One run: the record paints at once; the socket then brings live status and progress. */
/** The column heads over RunRow, here and on the TAs' queue page. */
export function RunTableHead({ index = '', progress = 'Progress' }: { index?: string; progress?: string }) {
  return (
    <thead>
      <tr>
        <th class="narrow">{index}</th>
        <th>Run</th>
        <th>Status</th>
        <th class="wide">{progress}</th>
        <th>Test accuracy</th>
        <th>Submitted</th>
        <th />
      </tr>
    </thead>
  );
}

export function RunRow(props: { record: ExperimentRecord; selected?: boolean; onToggle?(): void; onChanged(): void; showOwner?: boolean; extra?: JSX.Element; index?: string | number; livePosition?: number }) {
  const { record, selected, onToggle, onChanged, showOwner, extra, index, livePosition } = props;
  const { api } = useSession();
  const live = !TERMINAL.has(record.status);
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
      </td>
      <td>
        {livePosition !== undefined ? (
          <StatusBadge status={status} position={livePosition} positionNote="position in the queue now" />
        ) : (
          <StatusBadge status={status} position={state?.position ?? record.position} />
        )}
      </td>
      <td class="wide">
        {status === 'running' || (status === 'completed' && state?.progress) ? (
          <ProgressBar progress={state?.progress} compact />
        ) : status === 'failed' || status === 'cancelled' ? (
          <span class="muted small">{state?.error ?? record.error}</span>
        ) : null}
      </td>
      <td class="num">{result ? pct(result.testAccuracy) : '–'}</td>
      <td class="muted small">{since(record.createdAt)}</td>
      <td class="actions-cell">
        {!TERMINAL.has(status) && (
          <button class="small danger-outline" onClick={cancel} disabled={busy || record.cancelRequested}>
            {record.cancelRequested ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
        {extra}
      </td>
    </tr>
  );
}
