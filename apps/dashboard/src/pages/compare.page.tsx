import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeDifference, isTerminal, shortId, type ExperimentView } from '@trainyard/contracts';
import { downloadText, toCsv } from '../components/chart-data';
import { parseImageCount } from '../forms/image-count';
import { LineChart, type ChartSeries } from '../components/line-chart';
import { OneChangeForm } from '../components/one-change-form';
import { PALETTE } from '../components/run-charts';
import { describeData, describeModel, runName } from '../components/run-label';
import { StatusBadge } from '../components/status-badge';
import { duration, int, num, pct, rate } from '../format';
import { compareHref, navigate } from '../router';
import { useSession } from '../session';
import { courseRows } from '../state/course-table';
import { queuePosition } from '../state/queue-position';
import type { RunState } from '../state/run-state';
import { specDiff } from '../state/spec-variant';
import { useExperiments } from '../state/use-experiments';
import { useRunState } from '../state/use-run-state';

export function ComparePage({ ids }: { ids: string[] }) {
  const { records, reload } = useExperiments();
  // A TA's list holds the whole class's runs: say so, and whose each one is.
  const admin = useSession().me.role === 'admin';
  const byId = new Map((records ?? []).map((r) => [r.id, r]));
  const chosen = ids.map((id) => byId.get(id)).filter((r): r is ExperimentView => r !== undefined);
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
        <h2 data-testid="pick-list-title">{admin ? 'All runs (the whole class)' : 'Your runs'}</h2>
        {!records ? (
          <p class="muted">Loading…</p>
        ) : (
          <ul class="pick-list" data-testid="pick-list">
            {records.map((r) => (
              <li key={r.id} data-run={r.id}>
                <label>
                  <input type="checkbox" checked={ids.includes(r.id)} onChange={() => toggle(r.id)} data-run={r.id} />
                  <span class="run-name">{runName(r.spec)}</span>
                  <span class="muted small">
                    {describeModel(r.spec)} · {describeData(r.spec)}
                    {admin && (
                      <>
                        {' · '}
                        <span data-testid="owner">{r.owner}</span>
                      </>
                    )}{' '}
                    · <code>{shortId(r.id)}</code>
                  </span>
                  <PickStatus record={r} state={states[r.id]} />
                </label>
              </li>
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}

/**
 * A listed run's status and accuracy. A chosen run's state comes from its RunFeed; any other
 * unfinished run is watched here, so a queued run shows `running` the moment it starts (the
 * list's HTTP refresh is only every 10 s).
 */
function PickStatus({ record, state }: { record: ExperimentView; state?: RunState }) {
  const { state: own } = useRunState(record.id, !state && !isTerminal(record.status));
  const s = state ?? own;
  const result = s?.result ?? record.result;
  return (
    <>
      <StatusBadge status={s?.status ?? record.status} position={queuePosition(record, s)} positionNote="position in the queue now" />
      {result && <span class="num small">{pct(result.testAccuracy)}</span>}
    </>
  );
}

/** Subscribes one run (hooks cannot be called in a loop) and reports its state up. */
function RunFeed({ id, onState }: { id: string; onState(s: RunState | undefined): void }) {
  const { state } = useRunState(id);
  useEffect(() => onState(state), [state]);
  return null;
}

function Overlay({ runs, states }: { runs: ExperimentView[]; states: Record<string, RunState | undefined> }) {
  const label = (r: ExperimentView, i: number) => `${i + 1}. ${runName(r.spec)}`;
  const loss: ChartSeries[] = runs.map((r, i) => ({ label: label(r, i), color: PALETTE[i % PALETTE.length], ...(states[r.id]?.curves.batchLoss ?? { x: [], y: [] }) }));
  const accuracy: ChartSeries[] = runs.map((r, i) => ({ label: label(r, i), color: PALETTE[i % PALETTE.length], ...(states[r.id]?.curves.runningAccuracy ?? { x: [], y: [] }) }));
  const testAccuracy: ChartSeries[] = runs.map((r, i) => ({ label: label(r, i), color: PALETTE[i % PALETTE.length], points: true, ...(states[r.id]?.curves.testAccuracy ?? { x: [], y: [] }) }));
  return (
    <div class="card">
      <h2>Curves</h2>
      <div class="charts">
        <LineChart title="Training loss per batch" xLabel="epoch" yLabel="loss" series={loss} testId="compare-loss" />
        <LineChart title="Training accuracy, epoch so far (running mean)" xLabel="epoch" yLabel="accuracy" series={accuracy} percent testId="compare-accuracy" />
      </div>
      <LineChart title="Test accuracy per epoch" xLabel="epoch" yLabel="accuracy" series={testAccuracy} percent integerX height={220} testId="compare-test-accuracy" />
    </div>
  );
}

function SideBySide({ runs, states }: { runs: ExperimentView[]; states: Record<string, RunState | undefined> }) {
  const base = runs[0];
  const rows: [string, (r: ExperimentView, s?: RunState) => string | JSX.Element][] = [
    ['status', (r, s) => <StatusBadge status={s?.status ?? r.status} position={queuePosition(r, s)} positionNote="position in the queue now" />],
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
  const table = useRef<HTMLTableElement>(null);
  // The CSV is what the table says, cell by cell (statuses and formatted numbers included).
  const exportCsv = () => {
    const cells = Array.from(table.current!.rows, (row) => Array.from(row.cells, (c) => c.textContent?.trim() ?? ''));
    downloadText('compare.csv', toCsv(cells[0], cells.slice(1)));
  };
  return (
    <div class="card table-card">
      <div class="table-tools">
        <button type="button" class="small" onClick={exportCsv} data-testid="side-by-side-csv">
          CSV
        </button>
      </div>
      <table class="side-by-side" data-testid="side-by-side" ref={table}>
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
                <td key={r.id} data-run={r.id}>
                  {cell(r, states[r.id])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CourseTable({ records, onSubmitted }: { records: ExperimentView[]; onSubmitted(): void }) {
  const { api } = useSession();
  const rows = courseRows(records);
  // Empty: the whole bundled set, so the runs are comparable with the course's (a subset is not).
  const [limit, setLimit] = useState('');
  const [message, setMessage] = useState<string>();
  // Checked as typed: a count that cannot be read is refused here, never sent as "the whole set".
  const count = parseImageCount(limit);
  const runSuite = async () => {
    if (!count.ok) return;
    try {
      const { experiments } = await api.submitSuite('week2-mnist', count.value !== undefined ? { limit: count.value } : {});
      setMessage(`Queued ${experiments.length} runs.`);
      onSubmitted();
    } catch (err) {
      setMessage(`Not queued: ${(err as Error).message}`);
    }
  };
  return (
    <div class="card">
      <h2>The course's results</h2>
      <p class="muted small">
        For each experiment, your newest completed run of exactly the course's spec (any seed or data set) beside the accuracy the course publishes (PyTorch, full data
        sets, {int(rows[0].courseSteps)} SGD steps for 4.1). On a smaller data set a preset takes the course's number of SGD steps. A run that is not comparable says why;
        variants are listed under their experiment.
      </p>
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
          {rows.flatMap((row) => [
            <tr key={row.preset} data-preset={row.preset} data-comparable={row.comparison ? String(row.comparison.comparable) : undefined}>
              <td>{row.title}</td>
              <td class="muted small">{row.group}</td>
              <td class="num">{int(row.published.params)}</td>
              <td class="num" title={row.published.note}>
                {pct(row.published.testAccuracy)}
              </td>
              <td class="num" data-testid="measured">
                <Measured accuracy={row.measured?.result?.testAccuracy} published={row.published.testAccuracy} />
              </td>
              <td class="small">
                {row.measured ? (
                  <>
                    <RunLink record={row.measured} steps={row.comparison!.steps} />
                    <Comparability reasons={row.comparison!.reasons} />
                  </>
                ) : (
                  <span class="muted">not run yet</span>
                )}
              </td>
            </tr>,
            ...row.variants.map((v) => (
              <tr key={v.record.id} class="variant" data-variant-of={row.preset}>
                <td colSpan={4} class="small">
                  ↳ variant: {v.comparison.differences.map(describeDifference).join('; ')}
                </td>
                <td class="num">
                  <Measured accuracy={v.record.result?.testAccuracy} published={row.published.testAccuracy} />
                </td>
                <td class="small">
                  <RunLink record={v.record} steps={v.comparison.steps} />
                </td>
              </tr>
            )),
          ])}
        </tbody>
      </table>
      <div class="inline-controls suite">
        <button onClick={runSuite} disabled={!count.ok} data-testid="run-suite">
          Run the four 4.1 experiments (week2-mnist)
        </button>
        <label class="small">
          on the first{' '}
          <input
            type="text"
            inputMode="numeric"
            class="tiny"
            value={limit}
            placeholder="all"
            aria-invalid={!count.ok}
            aria-describedby="suite-limit-error"
            data-testid="suite-limit"
            onInput={(e) => {
              setLimit(e.currentTarget.value);
              setMessage(undefined);
            }}
          />{' '}
          training images (a subset is not comparable)
        </label>
        {!count.ok && (
          <span class="field-error-inline small" id="suite-limit-error" role="alert" data-testid="suite-limit-error">
            {count.message}
          </span>
        )}
        {message && <span class="muted small">{message}</span>}
      </div>
    </div>
  );
}

function Measured({ accuracy, published }: { accuracy?: number; published: number }) {
  if (accuracy === undefined) return <>–</>;
  const delta = accuracy - published;
  return (
    <>
      {pct(accuracy)}{' '}
      <span class={`delta ${delta >= 0 ? 'up' : 'down'}`}>
        {delta >= 0 ? '+' : '−'}
        {Math.abs(delta * 100).toFixed(1)}
      </span>
    </>
  );
}

function RunLink({ record, steps }: { record: ExperimentView; steps: number }) {
  return (
    <a href={`/runs/${record.id}`}>
      {describeData(record.spec)}, {record.spec.epochs} ep. = {int(steps)} steps
    </a>
  );
}

function Comparability({ reasons }: { reasons: string[] }) {
  if (reasons.length === 0) return <span class="comparable muted"> · comparable</span>;
  return (
    <div class="not-comparable" data-testid="not-comparable">
      Not comparable: {reasons.join('; ')}
    </div>
  );
}
