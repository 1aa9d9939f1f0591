import { useState } from 'preact/hooks';
import { ApiError, type ExperimentView } from '@trainyard/contracts';
import { headSwitchable, withOneChange, type OneChange } from '../state/spec-variant';
import { parseNumberList } from '../forms/spec-fields';
import { validateSpec } from '../state/validate-spec';
import { useSession } from '../session';
import { runName } from './run-label';

type Kind = OneChange['kind'];
const KINDS: { kind: Kind; label: string }[] = [
  { kind: 'shuffle', label: 'Shuffle on ↔ off' },
  { kind: 'normalize', label: 'Normalisation values' },
  { kind: 'no-normalize', label: 'No normalisation' },
  { kind: 'batchSize', label: 'Batch size' },
  { kind: 'epochs', label: 'Epochs' },
  { kind: 'head', label: '1×1 conv head ↔ FC head' },
];

export function OneChangeForm({ runs, onSubmitted }: { runs: ExperimentView[]; onSubmitted(base: ExperimentView, created: ExperimentView): void }) {
  const { api } = useSession();
  const [baseId, setBaseId] = useState(runs[0].id);
  const base = runs.find((r) => r.id === baseId) ?? runs[0];
  const [kind, setKind] = useState<Kind>('shuffle');
  const [value, setValue] = useState('');
  const [mean, setMean] = useState('0.5');
  const [std, setStd] = useState('0.5');
  const [error, setError] = useState<string>();
  const [sending, setSending] = useState(false);

  const change = ((): OneChange | string => {
    switch (kind) {
      case 'batchSize':
      case 'epochs': {
        const n = Number(value);
        return value.trim() && Number.isInteger(n) ? { kind, value: n } : 'enter a whole number';
      }
      case 'normalize': {
        const m = parseNumberList(mean);
        const s = parseNumberList(std);
        return Array.isArray(m) && Array.isArray(s) ? { kind, mean: m, std: s } : 'mean and std: numbers, one per channel';
      }
      case 'head':
        return headSwitchable(base.spec) ? { kind } : 'only the CNN and VGG16 have a switchable head';
      default:
        return { kind };
    }
  })();
  const variant = typeof change === 'string' ? undefined : withOneChange(base.spec, change);
  const invalid = typeof change === 'string' ? change : variant ? validateSpec(variant).issues.map((i) => `${i.path}: ${i.message}`).join('; ') : '';

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!variant || invalid) return;
    setSending(true);
    setError(undefined);
    try {
      onSubmitted(base, await api.submit(variant));
    } catch (err) {
      setError(err instanceof ApiError && err.issues.length ? err.issues.map((i) => `${i.path}: ${i.message}`).join('; ') : (err as Error).message);
    } finally {
      setSending(false);
    }
  };

  return (
    <form class="one-change" onSubmit={submit} data-testid="one-change">
      <label>
        Run
        <select value={base.id} onChange={(e) => setBaseId(e.currentTarget.value)}>
          {runs.map((r, i) => (
            <option key={r.id} value={r.id}>
              {i + 1}. {runName(r.spec)}
            </option>
          ))}
        </select>
      </label>
      <label>
        again with
        <select value={kind} onChange={(e) => setKind(e.currentTarget.value as Kind)} name="change">
          {KINDS.map((k) => (
            <option key={k.kind} value={k.kind} disabled={k.kind === 'head' && !headSwitchable(base.spec)}>
              {k.label}
            </option>
          ))}
        </select>
      </label>
      {(kind === 'batchSize' || kind === 'epochs') && (
        <label>
          {kind === 'epochs' ? 'epochs' : 'batch size'}
          <input type="text" inputMode="numeric" class="tiny" name="value" value={value} placeholder={String(base.spec[kind])} onInput={(e) => setValue(e.currentTarget.value)} />
        </label>
      )}
      {kind === 'normalize' && (
        <>
          <label>
            mean
            <input type="text" class="tiny" value={mean} onInput={(e) => setMean(e.currentTarget.value)} />
          </label>
          <label>
            std
            <input type="text" class="tiny" value={std} onInput={(e) => setStd(e.currentTarget.value)} />
          </label>
        </>
      )}
      <button type="submit" class="primary" disabled={sending || !!invalid} data-testid="one-change-submit">
        {sending ? 'Submitting…' : 'Queue the variant'}
      </button>
      {variant && !invalid && <span class="muted small">as “{String(variant.name)}”</span>}
      {invalid && <span class="field-error-inline small">{invalid}</span>}
      {error && (
        <span class="form-error small" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}
