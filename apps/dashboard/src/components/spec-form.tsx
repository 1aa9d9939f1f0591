import { useEffect, useState } from 'preact/hooks';
import { getPath, initialValue, parseNumberList, parseNumberText, setPath, variantValue, type Field } from '../forms/spec-fields';

interface Props {
  fields: Field[];
  draft: Record<string, unknown>;
  errors: Map<string, string[]>;
  onChange(draft: Record<string, unknown>): void;
}

/** Renders the fields generated from the spec schema; every edit produces a new draft. */
export function SpecForm({ fields, draft, errors, onChange }: Props) {
  const set = (path: string, value: unknown) => onChange(setPath(draft, path, value));
  return (
    <div class="spec-form">
      {fields.map((f) => (
        <FieldRow key={f.path + f.kind} field={f} errors={errors.get(f.path)} set={set} get={(path) => getPath(draft, path)} />
      ))}
    </div>
  );
}

function FieldRow({ field: f, errors, set, get }: { field: Field; errors?: string[]; set(path: string, v: unknown): void; get(path: string): unknown }) {
  const id = `field-${f.path.replace(/\./g, '-')}`;
  const invalid = errors && errors.length > 0;
  const control = (() => {
    switch (f.kind) {
      case 'group':
        return null;
      case 'variant': {
        const parent = f.path.replace(/\.type$/, '');
        return (
          <select id={id} value={String(f.value ?? '')} onChange={(e) => set(parent, variantValue(parent, e.currentTarget.value, get(parent)))}>
            {f.options.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        );
      }
      case 'enum':
        return (
          <select id={id} value={String(f.value ?? '')} onChange={(e) => set(f.path, e.currentTarget.value || undefined)}>
            {f.optional && <option value="">(default)</option>}
            {f.options.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        );
      case 'number':
        return <TextInput id={id} value={f.value} format={(v) => (v === undefined ? '' : String(v))} parse={parseNumberText} onValue={(v) => set(f.path, v)} placeholder={f.optional ? 'all' : ''} mode={f.integer ? 'numeric' : 'decimal'} />;
      case 'numbers':
        return <TextInput id={id} value={f.value} format={(v) => (Array.isArray(v) ? v.join(', ') : v === undefined ? '' : String(v))} parse={parseNumberList} onValue={(v) => set(f.path, v)} mode="decimal" />;
      case 'text':
        return <TextInput id={id} value={f.value} format={(v) => (v === undefined ? '' : String(v))} parse={(t) => (t === '' && f.optional ? undefined : t)} onValue={(v) => set(f.path, v)} />;
      case 'boolean':
        return <input id={id} type="checkbox" checked={f.value === true} onChange={(e) => set(f.path, e.currentTarget.checked)} />;
      case 'toggle':
        return <input id={id} type="checkbox" checked={f.value !== undefined} onChange={(e) => set(f.path, e.currentTarget.checked ? initialValue(f.path) : undefined)} />;
      case 'off-or-number':
        return (
          <span class="inline-controls">
            <input id={id} type="checkbox" checked={f.value !== false && f.value !== undefined} onChange={(e) => set(f.path, e.currentTarget.checked ? 42 : false)} />
            {f.value !== false && f.value !== undefined && (
              <TextInput id={`${id}-seed`} value={f.value} format={(v) => String(v)} parse={(t) => parseNumberText(t) ?? ''} onValue={(v) => set(f.path, v)} mode="numeric" label="seed" />
            )}
          </span>
        );
    }
  })();
  if (f.kind === 'group') {
    return (
      <div class={`form-group depth-${f.depth}`} data-field={f.path}>
        <h3>{f.label}</h3>
        {invalid && <FieldErrors errors={errors!} />}
      </div>
    );
  }
  const range = 'range' in f && f.range ? f.range : undefined;
  return (
    <div class={`form-row depth-${f.depth} ${invalid ? 'invalid' : ''}`} data-field={f.path}>
      <label for={id}>{f.label}</label>
      <div class="form-control">
        {control}
        {(f.help || range) && <small class="hint">{[f.help, range].filter(Boolean).join(' · ')}</small>}
        {invalid && <FieldErrors errors={errors!} />}
      </div>
    </div>
  );
}

function FieldErrors({ errors }: { errors: string[] }) {
  return (
    <ul class="field-errors" role="alert">
      {errors.map((e) => (
        <li key={e}>{e}</li>
      ))}
    </ul>
  );
}

/**
 * Keeps the typed text while it is being edited ("0." is not yet a number) and takes the
 * draft's value again when it changes from outside (a preset picked).
 */
function TextInput(props: {
  id: string;
  value: unknown;
  format(v: unknown): string;
  parse(text: string): unknown;
  onValue(v: unknown): void;
  placeholder?: string;
  mode?: 'numeric' | 'decimal';
  label?: string;
}) {
  const [text, setText] = useState(props.format(props.value));
  useEffect(() => {
    if (JSON.stringify(props.parse(text)) !== JSON.stringify(props.value)) setText(props.format(props.value));
  }, [JSON.stringify(props.value)]);
  return (
    <input
      id={props.id}
      type="text"
      inputMode={props.mode}
      aria-label={props.label}
      placeholder={props.placeholder}
      value={text}
      onInput={(e) => {
        const t = e.currentTarget.value;
        setText(t);
        props.onValue(props.parse(t));
      }}
    />
  );
}
