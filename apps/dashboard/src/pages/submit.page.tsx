import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, courseSteps, describeEstimate, PRESET_NAMES, PRESETS, PUBLISHED, presetSpec, type EstimateBody, type PresetName, type ValidationIssue } from '@trainyard/contracts';
import { SpecForm } from '../components/spec-form';
import { issuesByField, specFields, withJobLimits } from '../forms/spec-fields';
import { pct } from '../format';
import { navigate } from '../router';
import { useSession } from '../session';
import { withCourseEpochs } from '../state/course-epochs';
import { validateSpec } from '../state/validate-spec';

const draftOf = (preset: PresetName) => presetSpec(preset) as unknown as Record<string, unknown>;

/** How long after the last edit the form asks the API for the run's estimate (ms): one request per pause in typing. */
const ESTIMATE_DEBOUNCE_MS = 250;

/** The run's estimated time as the API would judge it now (POST /api/experiments/estimate), refreshed as the draft changes. */
function useEstimate(api: ReturnType<typeof useSession>['api'], draft: Record<string, unknown>, valid: boolean): EstimateBody | undefined {
  const [body, setBody] = useState<EstimateBody>();
  useEffect(() => {
    setBody(undefined);
    if (!valid) return;
    let current = true;
    const timer = setTimeout(() => {
      api.estimate(draft).then(
        (b) => current && setBody(b),
        () => undefined, // no estimate shown; a submission still meets every check
      );
    }, ESTIMATE_DEBOUNCE_MS);
    // A newer draft's answer wins: a late answer for an older one is dropped.
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [api, JSON.stringify(draft), valid]);
  return body;
}

function EstimateLine({ body }: { body: EstimateBody }) {
  const { estimate, maxJobMinutes } = body;
  const limit =
    maxJobMinutes === null
      ? ' You are exempt from the class’s time limit.'
      : estimate.basis === 'none'
        ? ` The class’s limit of ${maxJobMinutes} min a run is not applied to it.`
        : ` The class allows at most ${maxJobMinutes} min a run.`;
  return (
    <p class={`estimate ${body.issues.length ? 'form-error' : 'muted small'}`} data-testid="estimate" data-basis={estimate.basis} data-over={body.issues.length > 0}>
      Estimated time: {describeEstimate(estimate)}.{limit}
    </p>
  );
}

export function SubmitPage() {
  const { api, me } = useSession();
  const [preset, setPreset] = useState<PresetName | null>('mnist-cnn');
  const [draft, setDraft] = useState(() => draftOf('mnist-cnn'));
  // Until the student sets epochs, a preset's epochs follow the course steps rule as data set, limit
  // and batch size change, as the API would set them; once set, theirs wins.
  const [epochsChosen, setEpochsChosen] = useState(false);
  const [serverIssues, setServerIssues] = useState<ValidationIssue[]>([]);
  const [serverError, setServerError] = useState<string>();
  const [sending, setSending] = useState(false);

  // A student's hints show the class's bounds (GET /api/me), which the API enforces, not the schema's wider ones.
  const fields = useMemo(() => withJobLimits(specFields(draft), me.jobLimits), [draft, me.jobLimits]);
  const { issues } = useMemo(() => validateSpec(draft), [draft]);
  const estimate = useEstimate(api, draft, issues.length === 0);
  // The class's bounds on this run (its estimate over MAX_JOB_MINUTES, …) show on their fields before submitting.
  const classIssues = useMemo(() => (serverIssues.length ? serverIssues : (estimate?.issues ?? [])), [serverIssues, estimate]);
  const errors = useMemo(() => issuesByField(issues.length ? issues : classIssues, fields), [issues, classIssues, fields]);

  const pick = (name: PresetName) => {
    setPreset(name);
    setDraft(draftOf(name));
    setEpochsChosen(false);
    setServerIssues([]);
    setServerError(undefined);
  };
  const edit = (next: Record<string, unknown>) => {
    const chosen = epochsChosen || next.epochs !== draft.epochs;
    setEpochsChosen(chosen);
    setDraft(preset && !chosen ? withCourseEpochs(preset, next) : next);
    setServerIssues([]);
    setServerError(undefined);
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    if (issues.length) return;
    setSending(true);
    try {
      const created = await api.submit(draft);
      navigate(`/runs/${created.id}`);
    } catch (err) {
      // The server may know limits the schema does not (class policy): its issues go on the fields too.
      setServerIssues(err instanceof ApiError ? err.issues : []);
      setServerError((err as Error).message);
    } finally {
      setSending(false);
    }
  };

  const general = errors.get('');
  return (
    <section>
      <div class="page-head">
        <h1>Submit an experiment</h1>
      </div>
      <div class="presets" role="radiogroup" aria-label="Course presets">
        {PRESET_NAMES.map((name) => (
          <button key={name} role="radio" aria-checked={preset === name} class={`preset ${preset === name ? 'chosen' : ''}`} data-preset={name} onClick={() => pick(name)}>
            <strong>{PRESETS[name].name}</strong>
            <span class="muted small">{name}</span>
            <span class="small">
              published {pct(PUBLISHED[name].testAccuracy, 1)} · {PUBLISHED[name].params.toLocaleString('en-US')} params
            </span>
          </button>
        ))}
      </div>
      <form class="card form-card" onSubmit={submit} noValidate>
        <p class="muted small">
          Every field is checked with the API's own schema as you type. {preset ? `Starting from the ${preset} preset.` : 'Custom spec.'}
        </p>
        {preset && !epochsChosen && (
          <p class="muted small" data-testid="epochs-rule">
            Epochs follow the course: on a data set smaller than the course's, the preset takes the course's {courseSteps(preset).toLocaleString('en-US')} SGD steps. Set epochs
            yourself to change that.
          </p>
        )}
        {general && (
          <ul class="field-errors general" role="alert">
            {general.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        )}
        <SpecForm fields={fields} draft={draft} errors={errors} onChange={edit} />
        {estimate && <EstimateLine body={estimate} />}
        {serverError && (
          <p class="form-error" role="alert" data-testid="server-error">
            The API refused the experiment: {serverError}
          </p>
        )}
        <div class="form-actions">
          <span class="muted small">{issues.length ? `${issues.length} field${issues.length > 1 ? 's' : ''} to fix` : estimate?.issues.length ? 'Over the class’s limits' : 'Ready to queue'}</span>
          <button type="submit" class="primary" disabled={sending || issues.length > 0 || (estimate?.issues.length ?? 0) > 0} data-testid="submit">
            {sending ? 'Submitting…' : 'Submit to the queue'}
          </button>
        </div>
      </form>
    </section>
  );
}
