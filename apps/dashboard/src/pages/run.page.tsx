import { useEffect, useState } from 'preact/hooks';
import { ApiError, compareToCourse, isTerminal, PUBLISHED, type ExperimentView } from '@trainyard/contracts';
import { classNames, ConfusionMatrix, PerClassAccuracy } from '../components/confusion-matrix';
import { ModelDownload } from '../components/model-download';
import { ProgressBar } from '../components/progress-bar';
import { RunCharts } from '../components/run-charts';
import { ChartClockContext } from '../components/line-chart';
import { describeData, describeModel, runName } from '../components/run-label';
import { SampleGrid } from '../components/sample-grid';
import { SpecTable } from '../components/spec-table';
import { StatusBadge } from '../components/status-badge';
import { duration, int, num, pct, rate, since } from '../format';
import { compareHref } from '../router';
import { useSession } from '../session';
import { useRunClock } from '../state/use-run-clock';
import { useRunState } from '../state/use-run-state';

export function RunPage({ id }: { id: string }) {
  const { api } = useSession();
  const [record, setRecord] = useState<ExperimentView>();
  const [missing, setMissing] = useState<string>();
  // The subscription answers first whether this run is yours to see (the same rule as the HTTP
  // routes): a refused subscribe is quiet, where a 404 fetch would log an error in the console.
  // Its history also draws the curves of finished runs.
  const { state, error } = useRunState(id);
  const clock = useRunClock(id);
  const visible = state !== undefined;
  useEffect(() => {
    if (!visible) return;
    api.experiment(id).then(setRecord, (err: unknown) =>
      setMissing(err instanceof ApiError && err.status === 404 ? 'No run with this id is yours to see.' : (err as Error).message),
    );
  }, [api, id, visible]);

  if (missing || error) {
    return (
      <section class="card empty" data-testid="run-not-found">
        <h1>Run not found</h1>
        <p>{missing ?? (error === 'not found' ? 'No run with this id is yours to see.' : error)}</p>
        <p>
          <a href="/">Back to your runs</a>
        </p>
      </section>
    );
  }
  if (!record) return <p class="muted">Loading…</p>;

  const status = state?.status ?? record.status;
  const result = state?.result ?? record.result;
  // Judged on the images the run loaded (result, else its `started` event): a server's set may be smaller than the canonical one.
  const comparison = compareToCourse(record.spec, result ?? state?.loaded);
  // Only a run of the preset's own spec stands beside its published number (a variant does not).
  const preset = comparison?.differences.length === 0 ? comparison.preset : undefined;
  const cancel = async () => {
    await api.cancel(id).catch(() => undefined);
    setRecord(await api.experiment(id));
  };
  return (
    <section class="run-page" data-testid="run-page" data-status={status}>
      <div class="page-head">
        <div>
          <h1>{runName(record.spec)}</h1>
          <p class="muted">
            {describeModel(record.spec)} · {describeData(record.spec)} · {record.spec.epochs} epoch{record.spec.epochs > 1 ? 's' : ''}, batch {record.spec.batchSize} · by{' '}
            {record.owner}, {since(record.createdAt)}
          </p>
        </div>
        <div class="actions">
          <StatusBadge status={status} position={state?.position} />
          {!isTerminal(status) && (
            <button class="danger-outline" onClick={cancel}>
              Cancel
            </button>
          )}
          {status === 'completed' && <ModelDownload id={id} />}
          <a class="button" href={compareHref([id])}>
            Compare…
          </a>
        </div>
      </div>

      {state?.warnings && (
        <div class="card notice warning" data-testid="data-warnings">
          <strong>About this run's data:</strong>
          <ul>
            {state.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
      )}
      {(status === 'running' || state?.progress) && (
        <div class="card">
          <ProgressBar progress={state?.progress} />
        </div>
      )}
      {(status === 'failed' || status === 'cancelled') && (
        <div class={`card notice ${status}`}>
          <strong>{status === 'failed' ? 'Failed' : 'Cancelled'}:</strong> {state?.error ?? record.error}
        </div>
      )}

      <div class="card">
        <h2>Curves</h2>
        {state ? (
          <ChartClockContext.Provider value={clock}>
            <RunCharts curves={state.curves} />
          </ChartClockContext.Provider>
        ) : (
          <p class="muted">Connecting to the live feed…</p>
        )}
      </div>

      {result && (
        <div class="card result" data-testid="result">
          <h2>Result</h2>
          <div class="stats">
            <Stat label="test accuracy" value={pct(result.testAccuracy)} big testId="test-accuracy" />
            <Stat label="correct" value={`${int(result.correct)} / ${int(result.testSamples)}`} />
            <Stat label="test loss" value={num(result.testLoss, 4)} />
            <Stat label="parameters" value={int(result.params)} testId="params" />
            <Stat label="backend" value={result.backend} testId="backend" />
            <Stat label="duration" value={duration(result.seconds)} />
            <Stat label="throughput" value={rate(result.samplesPerSec)} />
            {preset && <Stat label={`published (${preset})`} value={pct(PUBLISHED[preset].testAccuracy)} />}
          </div>
          {preset && !comparison!.comparable && (
            <p class="not-comparable" data-testid="not-comparable">
              Not comparable with the published number: {comparison!.reasons.join('; ')}.
            </p>
          )}
          <div class="result-grid">
            <div>
              <h3>Per-class accuracy</h3>
              <PerClassAccuracy values={result.perClassAccuracy} labels={classNames(record.spec.dataset, result.perClassAccuracy.length)} />
            </div>
            <div>
              <h3>Confusion matrix</h3>
              <ConfusionMatrix matrix={result.confusionMatrix} labels={classNames(record.spec.dataset, result.confusionMatrix.length)} />
            </div>
          </div>
        </div>
      )}

      {(record.spec.dataset === 'mnist-bundled' || record.spec.dataset === 'mnist') && (
        <div class="card">
          <h2>Test images</h2>
          <p class="muted small">
            {record.spec.permutePixels === false
              ? 'This run sees the digits as loaded. Below them, what the permuted presets see: every image with its pixels moved by one fixed permutation.'
              : 'This run moves every pixel of every train and test image by one fixed permutation: locality is gone, yet the label is the same.'}
          </p>
          <SampleGrid permuteSeed={record.spec.permutePixels} />
        </div>
      )}

      <div class="card">
        <h2>Spec</h2>
        <SpecTable spec={record.spec} />
        {(record.worker ?? state?.worker) && (
          <p class="muted small">
            Trained by worker {state?.worker ?? record.worker} on {state?.backend ?? record.backend}.
            {state?.resumedFrom &&
              ` Interrupted, then resumed from its checkpoint at epoch ${state.resumedFrom.epoch}, batch ${state.resumedFrom.batch}.`}
          </p>
        )}
      </div>
      <p class="muted small feed-footer" data-testid="feed-footer" data-count={state?.count ?? 0} data-last-seq={state?.lastSeq ?? 0}>
        {state ? `${state.count} events received, last seq ${state.lastSeq}` : 'no events yet'}
      </p>
    </section>
  );
}

function Stat({ label, value, big, testId }: { label: string; value: string; big?: boolean; testId?: string }) {
  return (
    <div class={`stat ${big ? 'stat-big' : ''}`} data-testid={testId}>
      <span class="stat-value">{value}</span>
      <span class="stat-label">{label}</span>
    </div>
  );
}
