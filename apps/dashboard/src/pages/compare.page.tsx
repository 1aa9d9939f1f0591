import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ExperimentRecord } from '../api/api-client';
import { LineChart, type ChartSeries } from '../components/line-chart';
import { OneChangeForm } from '../components/one-change-form';
import { PALETTE } from '../components/run-charts';
import { describeData, describeModel, runName } from '../components/run-label';
import { StatusBadge } from '../components/status-badge';
import { duration, int, num, pct, rate, shortId } from '../format';
import { compareHref, navigate } from '../router';
import { useSession } from '../session';
import { courseRows } from '../state/course-table';
import type { RunState } from '../state/run-state';
import { specDiff } from '../state/spec-variant';
import { useExperiments } from '../state/use-experiments';
import { useRunState } from '../state/use-run-state';

export function ComparePage({ ids }: { ids: string[] }) {
  const { records, reload } = useExperiments();
  const byId = new Map((records ?? []).map((r) => [r.id, r]));
  const chosen = ids.map((id) => byId.get(id)).filter((r): r is ExperimentRecord => r !== undefined);
  const [states, setStates] = useState<Record<string, RunState | undefined>>({});
  // A run just submitted (re-run with one change) is not in the list yet: fetch it again, once per id.
  const fetchedFor = useRef(new Set<string>());
  useEffect(() => {
    const unknown = records ? ids.filter((id) => !byId.has(id) && !fetchedFor.current.has(id)) : [];
    if (unknown.length === 0) return;
    unknown.forEach((id) => fetchedFor.current.add(id));
    void reload();
  }, [ids.join(','), records]);
  const toggle = (id: string) => navigate(compareHref(ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id]));

  return (
    <section>
      <div class="page-head">
        <h1>Compare</h1>
      </div>
      {chosen.map((r) => (
        <RunFeed key={r.id} id={r.id} onState={(s) => setStates((all) => (all[r.id] === s ? all : { ...all, [r.id]: s }))} />
      ))}
      {chosen.length === 0 ? (
        <div class="card empty">
          <p>Pick two or more runs below to overlay their curves, or re-run one with a single change.</p>
        </div>
      ) : (
        <>
          <Overlay runs={chosen} states={states} />
          <SideBySide runs={chosen} states={states} />
        </>
      )}
      {chosen.length > 0 && (
        <div class="card">
          <h2>Re-run with one change</h2>
          <p class="muted small">The course's questions, answered by experiment: the variant is queued and shown beside the original.</p>
          <OneChangeForm runs={chosen} onSubmitted={(base, created) => navigate(compareHref([base.id, created.id]))} />
        </div>
      )}
      <CourseTable records={records ?? []} onSubmitted={reload} />
      <div class="card">
        <h2>Your runs</h2>
        {!records ? (
          <p class="muted">Loading…</p>
        ) : (
          <ul class="pick-list" data-testid="pick-list">
            {records.map((r) => (
              <li key={r.id}>
                <label>
                  <input type="checkbox" checked={ids.includes(r.id)} onChange={() => toggle(r.id)} data-run={r.id} />
                  <span class="run-name">{runName(r.spec)}</span>
                  <span class="muted small">
                    {describeModel(r.spec)} · {describeData(r.spec)} · <code>{shortId(r.id)}</code>
                  </span>
                  <StatusBadge status={states[r.id]?.status ?? r.status} />
                  {(states[r.id]?.result ?? r.result) && <span class="num small">{pct((states[r.id]?.result ?? r.result)!.testAccuracy)}</span>}
                </label>
              </li>
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}

/** Subscribes one run (hooks cannot be called in a loop) and reports its state up. */
function RunFeed({ id, onState }: { id: string; onState(s: RunState | undefined): void }) {
  const { state } = useRunState(id);
  useEffect(() => onState(state), [state]);
  return null;
}

function Overlay({ runs, states }: { runs: ExperimentRecord[]; states: Record<string, RunState | undefined> }) {
  const label = (r: ExperimentRecord, i: number) => `${i + 1}. ${runName(r.spec)}`;
  const loss: ChartSeries[] = runs.map((r, i) => ({ label: label(r, i), color: PALETTE[i % PALETTE.length], ...(states[r.id]?.curves.batchLoss ?? { x: [], y: [] }) }));
  const accuracy: ChartSeries[] = runs.map((r, i) => ({ label: label(r, i), color: PALETTE[i % PALETTE.length], ...(states[r.id]?.curves.batchAccuracy ?? { x: [], y: [] }) }));
  const testAccuracy: ChartSeries[] = runs.map((r, i) => ({ label: label(r, i), color: PALETTE[i % PALETTE.length], points: true, ...(states[r.id]?.curves.testAccuracy ?? { x: [], y: [] }) }));
  return (
    <div class="card">
      <h2>Curves</h2>
      <div class="charts">
        <LineChart title="Training loss per batch" xLabel="epoch" yLabel="loss" series={loss} testId="compare-loss" />
        <LineChart title="Training accuracy per batch" xLabel="epoch" yLabel="accuracy" series={accuracy} percent testId="compare-accuracy" />
      </div>
      <LineChart title="Test accuracy per epoch" xLabel="epoch" yLabel="accuracy" series={testAccuracy} percent integerX height={220} testId="compare-test-accuracy" />
    </div>
  );
}

function SideBySide({ runs, states }: { runs: ExperimentRecord[]; states: Record<string, RunState | undefined> }) {
  const base = runs[0];
  const rows: [string, (r: ExperimentRecord, s?: RunState) => string | JSX.Element][] = [
    ['status', (r, s) => <StatusBadge status={s?.status ?? r.status} position={s?.position} />],
    ['model', (r) => describeModel(r.spec)],
    ['data', (r) => describeData(r.spec)],
    ['differs from run 1', (r) => (r === base ? '–' : [...specDiff(base.spec, r.spec)].join(', ') || 'nothing')],
    ['test accuracy', (r, s) => pct((s?.result ?? r.result)?.testAccuracy)],
    ['test loss', (r, s) => num((s?.result ?? r.result)?.testLoss, 4)],
    ['parameters', (r, s) => int((s?.result ?? r.result)?.params ?? s?.params)],
    ['duration', (r, s) => duration((s?.result ?? r.result)?.seconds)],
    ['throughput', (r, s) => rate((s?.result ?? r.result)?.samplesPerSec)],
    ['backend', (r, s) => (s?.result ?? r.result)?.backend ?? s?.backend ?? '–'],
  ];
  return (
    <div class="card table-card">
      <table class="side-by-side" data-testid="side-by-side">
        <thead>
          <tr>
            <th />
            {runs.map((r, i) => (
              <th key={r.id} style={{ borderTop: `3px solid ${PALETTE[i % PALETTE.length]}` }}>
                <a href={`/runs/${r.id}`}>
                  {i + 1}. {runName(r.spec)}
                </a>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map(([label, cell]) => (
            <tr key={label}>
              <th>{label}</th>
              {runs.map((r) => (
                <td key={r.id}>{cell(r, states[r.id])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CourseTable({ records, onSubmitted }: { records: ExperimentRecord[]; onSubmitted(): void }) {
  const { api } = useSession();
  const rows = courseRows(records);
  const [limit, setLimit] = useState('2000');
  const [message, setMessage] = useState<string>();
  const runSuite = async () => {
    const n = Number(limit);
    try {
      const { experiments } = await api.submitSuite('week2-mnist', n > 0 ? { limit: n } : {});
      setMessage(`Queued ${experiments.length} runs.`);
      onSubmitted();
    } catch (err) {
      setMessage(`Not queued: ${(err as Error).message}`);
    }
  };
  return (
    <div class="card">
      <h2>The course's results</h2>
      <p class="muted small">Your newest completed run of each experiment beside the accuracy the course publishes (PyTorch, full data sets).</p>
      <table class="course" data-testid="course-table">
        <thead>
          <tr>
            <th>Experiment</th>
            <th>Section</th>
            <th class="num">Params</th>
            <th class="num">Published</th>
            <th class="num">Measured</th>
            <th>Run</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const m = row.measured?.result;
            const delta = m ? m.testAccuracy - row.published.testAccuracy : undefined;
            return (
              <tr key={row.preset} data-preset={row.preset}>
                <td>{row.title}</td>
                <td class="muted small">{row.group}</td>
                <td class="num">{int(row.published.params)}</td>
                <td class="num" title={row.published.note}>
                  {pct(row.published.testAccuracy)}
                </td>
                <td class="num">
                  {m ? (
                    <>
                      {pct(m.testAccuracy)}{' '}
                      <span class={`delta ${delta! >= 0 ? 'up' : 'down'}`}>
                        {delta! >= 0 ? '+' : '−'}
                        {Math.abs(delta! * 100).toFixed(1)}
                      </span>
                    </>
                  ) : (
                    '–'
                  )}
                </td>
                <td class="small">
                  {row.measured ? (
                    <a href={`/runs/${row.measured.id}`}>
                      {describeData(row.measured.spec)}, {row.measured.spec.epochs} ep.
                    </a>
                  ) : (
                    <span class="muted">not run yet</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div class="inline-controls suite">
        <button onClick={runSuite}>Run the four 4.1 experiments (week2-mnist)</button>
        <label class="small">
          on the first{' '}
          <input type="text" inputMode="numeric" class="tiny" value={limit} onInput={(e) => setLimit(e.currentTarget.value)} /> training images
        </label>
        {message && <span class="muted small">{message}</span>}
      </div>
    </div>
  );
}
