import { useEffect, useState } from 'preact/hooks';
import { isTerminal, type ExperimentView, type HealthBody } from '@trainyard/contracts';
import { describeData, describeModel, runName } from '../components/run-label';
import { RunRow, RunTableHead } from './runs.page';
import { useSession } from '../session';
import { useExperiments } from '../state/use-experiments';

/** For TAs: the whole class's queue, the workers and what each is training. */
export function QueuePage() {
  const { api, me } = useSession();
  const { records, reload } = useExperiments(3000);
  const [health, setHealth] = useState<HealthBody>();
  useEffect(() => {
    const load = () => api.health().then(setHealth, () => setHealth(undefined));
    void load();
    const timer = setInterval(load, 3000);
    return () => clearInterval(timer);
  }, [api]);

  if (me.role !== 'admin') {
    return (
      <section class="card empty">
        <h1>TAs only</h1>
        <p>The class queue is visible to admins.</p>
      </section>
    );
  }
  // Running first, then the queue in its fair-share order (the API's position), oldest first on ties.
  const rank = (r: ExperimentView) => (r.status === 'running' ? 0 : (r.position ?? Number.MAX_SAFE_INTEGER));
  const active = (records ?? [])
    .filter((r) => !isTerminal(r.status))
    .sort((a, b) => rank(a) - rank(b) || a.createdAt.localeCompare(b.createdAt));
  const running = active.filter((r) => r.status === 'running');
  const queued = active.filter((r) => r.status === 'queued');
  const finished = (records ?? []).filter((r) => isTerminal(r.status)).slice(0, 15);
  return (
    <section>
      <div class="page-head">
        <h1>Class queue</h1>
        <span class="muted small">
          Redis {health?.redis.ok ? `ok (${health.redis.latencyMs} ms)` : 'unreachable'} · {health?.workers.count ?? 0} worker(s)
        </span>
      </div>
      <div class="card table-card">
        <h2>Workers</h2>
        <table data-testid="workers">
          <thead>
            <tr>
              <th>Worker</th>
              <th>Backend</th>
              <th>Now training</th>
            </tr>
          </thead>
          <tbody>
            {(health?.workers.names ?? []).map((name) => (
              <WorkerRow key={name} name={name} job={running.find((r) => r.worker === name)} backend={lastBackend(records ?? [], name)} />
            ))}
            {health && health.workers.count === 0 && (
              <tr>
                <td colSpan={3} class="muted">
                  No worker is connected: queued runs wait until one starts.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <div class="card table-card">
        <h2>Queued and running ({active.length})</h2>
        <table class="runs" data-testid="queue">
          <RunTableHead index="#" />
          <tbody>
            {active.map((r) => {
              const place = queued.indexOf(r) + 1;
              return <RunRow key={r.id} record={r} index={place || '▶'} livePosition={place || undefined} onChanged={reload} showOwner extra={r.status === 'queued' ? <RaisePriority id={r.id} onRaised={reload} /> : undefined} />;
            })}
          </tbody>
        </table>
        {active.length === 0 && <p class="muted empty-note">The queue is empty.</p>}
      </div>
      <div class="card table-card">
        <h2>Recently finished</h2>
        <table class="runs">
          <RunTableHead progress="" />
          <tbody>
            {finished.map((r) => (
              <RunRow key={r.id} record={r} onChanged={reload} showOwner extra={r.adminNote ? <AdminNote note={r.adminNote} /> : undefined} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** A worker reports its backend with each run it starts: the newest run it took tells. */
function lastBackend(records: ExperimentView[], worker: string): string | undefined {
  return records.filter((r) => r.worker === worker && r.backend).sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? ''))[0]?.backend;
}

function WorkerRow({ name, job, backend }: { name: string; job?: ExperimentView; backend?: string }) {
  return (
    <tr data-worker={name} data-busy={job ? 'yes' : 'no'}>
      <td>
        <code>{name}</code>
      </td>
      <td>{job?.backend ?? backend ?? <span class="muted">not known yet</span>}</td>
      <td>
        {job ? (
          <a href={`/runs/${job.id}`}>
            {runName(job.spec)} ({job.owner}): {describeModel(job.spec)}, {describeData(job.spec)}
          </a>
        ) : (
          <span class="muted">idle</span>
        )}
      </td>
    </tr>
  );
}

function RaisePriority({ id, onRaised }: { id: string; onRaised: () => void }) {
  const { api } = useSession();
  const [error, setError] = useState<string>();
  const raise = () => api.raise(id).then(() => (setError(undefined), onRaised()), (err: Error) => setError(err.message));
  return (
    <button class="small" data-testid="raise" onClick={raise} title={error ?? 'Start this run next, ahead of the fair-share order'}>
      Raise priority
    </button>
  );
}

/** What a TA should do about a failed run (e.g. install a missing data set); the API sends it to admins only. */
function AdminNote({ note }: { note: string }) {
  return (
    <details class="admin-note" data-testid="admin-note">
      <summary class="small">What to do</summary>
      <p class="small">{note}</p>
    </details>
  );
}
