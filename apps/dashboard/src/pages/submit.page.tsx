import { useMemo, useState } from 'preact/hooks';
import { ApiError, courseSteps, PRESET_NAMES, PRESETS, PUBLISHED, presetSpec, type PresetName, type ValidationIssue } from '@trainyard/contracts';
import { SpecForm } from '../components/spec-form';
import { issuesByField, specFields, withJobLimits } from '../forms/spec-fields';
import { pct } from '../format';
import { navigate } from '../router';
import { useSession } from '../session';
import { withCourseEpochs } from '../state/course-epochs';
import { validateSpec } from '../state/validate-spec';

const draftOf = (preset: PresetName) => presetSpec(preset) as unknown as Record<string, unknown>;

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
  const errors = useMemo(() => issuesByField(issues.length ? issues : serverIssues, fields), [issues, serverIssues, fields]);

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
        {serverError && (
          <p class="form-error" role="alert" data-testid="server-error">
            The API refused the experiment: {serverError}
          </p>
        )}
        <div class="form-actions">
          <span class="muted small">{issues.length ? `${issues.length} field${issues.length > 1 ? 's' : ''} to fix` : 'Ready to queue'}</span>
          <button type="submit" class="primary" disabled={sending || issues.length > 0} data-testid="submit">
            {sending ? 'Submitting…' : 'Submit to the queue'}
          </button>
        </div>
      </form>
    </section>
  );
}
