import { z } from 'zod';
import { ExperimentSpecSchema, isPlain, type JobLimits, type ValidationIssue } from '@trainyard/contracts';

// The spec form is generated from the API's own schema (as JSON Schema), so a field added to
// ExperimentSpecSchema appears here without touching the dashboard.

export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  enum?: string[];
  const?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
}

export const SPEC_JSON_SCHEMA = z.toJSONSchema(ExperimentSpecSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;

interface FieldBase {
  /** Dotted path into the spec, as in the API's validation issues: `model.hidden`. */
  path: string;
  label: string;
  help?: string;
  depth: number;
  value: unknown;
}
export type Field =
  | (FieldBase & { kind: 'group' })
  | (FieldBase & { kind: 'variant'; options: string[] })
  | (FieldBase & { kind: 'enum'; options: string[]; optional: boolean })
  | (FieldBase & { kind: 'number'; integer: boolean; optional: boolean; range: string })
  | (FieldBase & { kind: 'numbers'; range: string })
  | (FieldBase & { kind: 'text'; optional: boolean })
  | (FieldBase & { kind: 'boolean' })
  | (FieldBase & { kind: 'toggle' })
  | (FieldBase & { kind: 'off-or-number'; range: string });

const LABELS: Record<string, string> = {
  lr: 'Learning rate',
  testBatchSize: 'Test batch size',
  batchSize: 'Batch size',
  permutePixels: 'Permute pixels',
  limit: 'Train samples',
  testLimit: 'Test samples',
  randomCrop: 'Random crop',
  horizontalFlip: 'Horizontal flip',
  type: 'Type',
  head: 'Head',
};
const HELP: Record<string, string> = {
  shuffle: 'Reshuffle the training set every epoch (course question: shuffle on or off)',
  'model.head': 'fc: a fully-connected head; conv1x1: 1×1 convolutions + global average pooling',
  permutePixels: 'One fixed permutation of the pixels, drawn from this seed',
  limit: 'Use only the first N training images (empty: all)',
  testLimit: 'Use only the first N test images (empty: all)',
  seed: 'Weights, shuffling and augmentation are drawn from this seed',
  'transforms.normalize': 'Per channel: (x − mean) / std',
};
/** What an optional object starts as when switched on: the course's own values. */
const INITIAL: Record<string, unknown> = {
  'transforms.normalize': { mean: [0.1307], std: [0.3081] },
  'transforms.randomCrop': { padding: 4 },
};

const humanise = (key: string) => LABELS[key] ?? key.replace(/([A-Z])/g, ' $1').replace(/^./, (c) => c.toUpperCase()).replace(/ ([A-Z])/g, (_, c: string) => ` ${c.toLowerCase()}`);

export function rangeText(s: JsonSchema): string {
  if (s.minimum !== undefined && s.maximum !== undefined) return `${s.minimum} to ${s.maximum}`;
  const lo = s.exclusiveMinimum !== undefined ? `> ${s.exclusiveMinimum}` : s.minimum !== undefined ? `≥ ${s.minimum}` : '';
  const hi = s.maximum !== undefined ? `≤ ${s.maximum}` : '';
  return [lo, hi].filter(Boolean).join(', ');
}


/**
 * The fields with the class's job bounds in place of the schema's wider ones, where the API
 * enforces them (a student's `GET /api/me` jobLimits; undefined for an admin, who is exempt).
 */
export function withJobLimits(fields: Field[], limits: JobLimits | undefined): Field[] {
  if (!limits) return fields;
  // The time limit is the main bound (the form shows the run's estimate beside it); epochs × images
  // applies only to a run no worker has measured, and the estimate says so when it does.
  return fields.map((f) =>
    f.path === 'epochs' && f.kind === 'number' ? { ...f, range: `1 to ${limits.maxEpochsPerJob} in this class, and at most ${limits.maxJobMinutes} min a run (estimated below)` } : f,
  );
}

/** The form's fields for the current draft: variant fields follow the chosen `type`. */
export function specFields(draft: Record<string, unknown>, schema: JsonSchema = SPEC_JSON_SCHEMA): Field[] {
  const out: Field[] = [];
  walkObject(schema, draft, '', 0, out);
  return out;
}

function walkObject(schema: JsonSchema, value: Record<string, unknown>, prefix: string, depth: number, out: Field[]) {
  const required = new Set(schema.required ?? []);
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (key === 'type' && prop.const !== undefined) continue; // the variant selector shows it
    const path = prefix ? `${prefix}.${key}` : key;
    walk(prop, value[key], path, key, depth, !required.has(key) && prop.default === undefined, out);
  }
}

function walk(s: JsonSchema, value: unknown, path: string, key: string, depth: number, optional: boolean, out: Field[]) {
  const base = { path, label: humanise(key), help: HELP[path] ?? HELP[key], depth, value };
  if (s.oneOf && s.oneOf.every((v) => v.properties?.type?.const !== undefined)) {
    const options = s.oneOf.map((v) => String(v.properties!.type!.const));
    out.push({ ...base, kind: 'group' });
    out.push({ ...base, path: `${path}.type`, label: 'Type', help: undefined, depth: depth + 1, kind: 'variant', options, value: isPlain(value) ? value.type : undefined });
    const chosen = s.oneOf.find((v) => isPlain(value) && v.properties!.type!.const === value.type);
    if (chosen && isPlain(value)) walkObject(chosen, value, path, depth + 1, out);
    return;
  }
  if (s.anyOf && s.anyOf.some((v) => v.const === false)) {
    const num = s.anyOf.find((v) => v.type === 'integer' || v.type === 'number')!;
    out.push({ ...base, kind: 'off-or-number', range: rangeText(num) });
    return;
  }
  switch (s.type) {
    case 'object':
      if (optional) {
        out.push({ ...base, kind: 'toggle' });
        if (isPlain(value)) walkObject(s, value, path, depth + 1, out);
      } else {
        out.push({ ...base, kind: 'group' });
        walkObject(s, isPlain(value) ? value : {}, path, depth + 1, out);
      }
      return;
    case 'string':
      out.push(s.enum ? { ...base, kind: 'enum', options: s.enum, optional } : { ...base, kind: 'text', optional });
      return;
    case 'integer':
    case 'number':
      out.push({ ...base, kind: 'number', integer: s.type === 'integer', optional, range: rangeText(s) });
      return;
    case 'boolean':
      out.push({ ...base, kind: 'boolean' });
      return;
    case 'array': {
      const count = s.minItems === s.maxItems ? `${s.minItems}` : `${s.minItems ?? 0}–${s.maxItems ?? '∞'}`;
      out.push({ ...base, kind: 'numbers', range: `${count} values, each ${rangeText(s.items ?? {})}` });
      return;
    }
  }
}

/** The value a variant starts with: its defaults, keeping fields the old variant shared (an optimizer's lr). */
export function variantValue(path: string, type: string, previous: unknown, schema: JsonSchema = SPEC_JSON_SCHEMA): Record<string, unknown> {
  const parent = schemaAt(schema, path);
  const variant = parent?.oneOf?.find((v) => v.properties?.type?.const === type);
  const next: Record<string, unknown> = { type };
  for (const [key, prop] of Object.entries(variant?.properties ?? {})) {
    if (key === 'type') continue;
    if (isPlain(previous) && previous[key] !== undefined) next[key] = previous[key];
    else if (prop.default !== undefined) next[key] = prop.default;
  }
  return next;
}

export function initialValue(path: string): unknown {
  return structuredClone(INITIAL[path] ?? {});
}

function schemaAt(schema: JsonSchema, path: string): JsonSchema | undefined {
  let s: JsonSchema | undefined = schema;
  for (const key of path.split('.')) s = s?.properties?.[key];
  return s;
}

export function getPath(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, key) => (isPlain(v) ? v[key] : undefined), obj);
}

/** An immutable set by dotted path; `undefined` removes the key (an emptied optional field). */
export function setPath<T extends Record<string, unknown>>(obj: T, path: string, value: unknown): T {
  const [head, ...rest] = path.split('.');
  const copy: Record<string, unknown> = { ...obj };
  if (rest.length === 0) {
    if (value === undefined) delete copy[head];
    else copy[head] = value;
  } else {
    copy[head] = setPath(isPlain(obj[head]) ? (obj[head] as Record<string, unknown>) : {}, rest.join('.'), value);
  }
  return copy as T;
}

/**
 * Places each validation issue (the API's own shape) on the field with the longest matching
 * path: `transforms.normalize.mean.0` lands on the `transforms.normalize.mean` field. Issues no
 * field matches are returned under '' to be shown above the form.
 */
export function issuesByField(issues: readonly ValidationIssue[], fields: readonly Field[]): Map<string, string[]> {
  const paths = fields.map((f) => f.path).sort((a, b) => b.length - a.length);
  const out = new Map<string, string[]>();
  for (const issue of issues) {
    const target = paths.find((p) => issue.path === p || issue.path.startsWith(`${p}.`)) ?? '';
    const list = out.get(target) ?? [];
    list.push(target === '' && issue.path !== '(root)' ? `${issue.path}: ${issue.message}` : issue.message);
    out.set(target, list);
  }
  return out;
}

/** A typed number field's text: a number, undefined when emptied, else the raw text (so the schema names the error). */
export function parseNumberText(text: string): number | string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : text;
}

/** "0.4914, 0.4822, 0.4465" → numbers; anything unparsable stays text for the schema to reject. */
export function parseNumberList(text: string): number[] | string {
  const parts = text.split(/[,\s]+/).filter(Boolean);
  const nums = parts.map(Number);
  return parts.length > 0 && nums.every(Number.isFinite) ? nums : text;
}
