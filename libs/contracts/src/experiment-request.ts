import { z } from 'zod';
import { ExperimentSpecSchema, VARIANT_FIELDS, type ExperimentSpec } from './experiment-spec.schema';
import { courseEpochs } from './course-steps';
import { PRESETS, PRESET_NAMES, type PresetName } from './presets';

// A request is either a full spec, or `{ preset, ...overrides }`. Overrides merge into the
// preset field by field; a nested object with a different `type` replaces the preset's whole.
export const ExperimentRequestSchema = z
  .looseObject({ preset: z.enum(PRESET_NAMES as [PresetName, ...PresetName[]]).optional() });

type Plain = Record<string, unknown>;
/** A JSON object: not null, not an array. */
export const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * One problem with a request: the dotted path of the offending field (array indices as numbers,
 * `(root)` for the body itself) and what is wrong there. A 400's `issues` are these. The source of
 * both the TypeScript type and the OpenAPI document's schema.
 */
export const ValidationIssueSchema = z.object({
  path: z.string().describe('Dotted path of the offending field (array indices as numbers, `(root)` for the body itself)'),
  message: z.string().describe('What is wrong there'),
});
export type ValidationIssue = z.infer<typeof ValidationIssueSchema>;

/**
 * Merges overrides into a preset field by field. Both the result and every nested object it builds
 * have a null prototype, and `base` is read through Object.hasOwn, so an own `__proto__` key (which
 * JSON.parse creates) stays an ordinary key for the schema to reject instead of setting a prototype
 * whose fields the schema would then read.
 */
export function mergeOverrides(base: Plain, over: Plain): Plain {
  const out: Plain = Object.assign(Object.create(null) as Plain, base);
  for (const [key, value] of Object.entries(over)) {
    // null removes the preset's field, as in JSON Merge Patch (RFC 7396): `{transforms: {normalize:
    // null}}` is "no normalisation", which JSON cannot say with undefined.
    if (value === null) {
      delete out[key];
      continue;
    }
    const prev = Object.hasOwn(base, key) ? base[key] : undefined;
    const sameKind = isPlain(value) && isPlain(prev) && (value.type === undefined || value.type === prev.type);
    out[key] = sameKind ? mergeOverrides(prev as Plain, value as Plain) : value;
  }
  return out;
}

/**
 * Keys that address an object's prototype chain in JavaScript (`obj.__proto__ = …`,
 * `obj.constructor.prototype`). No spec field or other API field has these names, so a body that
 * holds one anywhere is refused rather than merged or copied.
 */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** The most issues one body reports: enough to fix it, bounded however many keys a body holds. */
const MAX_PROTOTYPE_KEY_ISSUES = 20;

/**
 * Every own prototype key in a JSON value, as `{path, message}` with the dotted path of
 * describeIssues (array indices as numbers), at most 20, parents before children. Walks with an explicit
 * stack: a 64 kB body can nest 32k levels deep, past what recursion survives.
 */
export function prototypeKeyIssues(value: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const stack: { node: unknown; path: string }[] = [{ node: value, path: '' }];
  while (stack.length > 0 && issues.length < MAX_PROTOTYPE_KEY_ISSUES) {
    const { node, path } = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    const children: { node: unknown; path: string }[] = [];
    for (const key of Object.keys(node)) {
      const at = path ? `${path}.${key}` : key;
      if (PROTOTYPE_KEYS.has(key)) issues.push({ path: at, message: 'forbidden key' });
      else children.push({ node: (node as Plain)[key], path: at });
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return issues.slice(0, MAX_PROTOTYPE_KEY_ISSUES);
}

/** Throws SpecValidationError naming every prototype key in a request body (see prototypeKeyIssues). */
export function assertNoPrototypeKeys(body: unknown, what = 'request body'): void {
  const issues = prototypeKeyIssues(body);
  if (issues.length === 0) return;
  const paths = issues.map((i) => i.path).join(', ');
  throw new SpecValidationError(`Forbidden key in the ${what} at ${paths}: __proto__, constructor and prototype are never fields`, issues);
}

export class SpecValidationError extends Error {
  constructor(
    message: string,
    readonly issues: ValidationIssue[],
  ) {
    super(message);
    this.name = 'SpecValidationError';
  }
}

/**
 * A zod error as ValidationIssues. An unknown key is reported at its own path, so a client can
 * point at the offending field. Given the parsed `input`, a key that another variant of the model
 * or optimizer has (VARIANT_FIELDS) is named as such: `model.head` on fc2layer is "not a setting
 * of the fc2layer model (only cnn and vgg16 have a head)", not "unknown field".
 */
export function describeIssues(error: z.ZodError, input?: unknown): ValidationIssue[] {
  return error.issues.flatMap((i) => {
    const base = i.path.map(String);
    const keys = i.code === 'unrecognized_keys' ? i.keys : [undefined];
    return keys.map((k) => ({
      path: [...base, ...(k === undefined ? [] : [k])].join('.') || '(root)',
      message: k === undefined ? i.message : (otherVariantsField(base, k, input) ?? 'unknown field'),
    }));
  });
}

function otherVariantsField(base: string[], key: string, input: unknown): string | undefined {
  if (base.length !== 1 || !Object.hasOwn(VARIANT_FIELDS, base[0]) || !isPlain(input)) return undefined;
  const what = base[0] as keyof typeof VARIANT_FIELDS;
  const value = input[what];
  const type = isPlain(value) ? value.type : undefined;
  const owners = Object.entries(VARIANT_FIELDS[what]).flatMap(([t, fields]) => (t !== type && fields.includes(key) ? [t] : []));
  if (typeof type !== 'string' || !owners.length) return undefined;
  const list = owners.length === 1 ? owners[0] : `${owners.slice(0, -1).join(', ')} and ${owners.at(-1)}`;
  return `not a setting of the ${type} ${what} (only ${list} ${owners.length === 1 ? 'has' : 'have'} a ${key})`;
}

/**
 * Turns a request body (preset + overrides, or a full spec) into a validated spec, or throws
 * SpecValidationError. A preset request without `epochs` gets courseEpochs: the course's number of
 * SGD steps on a data set smaller than the course's (8 epochs on the bundled digits). An explicit
 * `epochs` always wins, and a full spec is taken as it is.
 */
export function resolveExperimentRequest(body: unknown): ExperimentSpec {
  if (!isPlain(body)) {
    throw new SpecValidationError('The request body must be a JSON object', [{ path: '(root)', message: 'expected an object' }]);
  }
  // Before anything reads or merges the body, so no prototype key reaches the merge or the schema.
  assertNoPrototypeKeys(body, 'experiment');
  const head = ExperimentRequestSchema.safeParse(body);
  if (!head.success) {
    const issues = describeIssues(head.error);
    throw new SpecValidationError(`Invalid experiment: ${formatIssues(issues)}`, issues);
  }
  const { preset, ...overrides } = body as Plain & { preset?: PresetName };
  const merged = preset ? mergeOverrides(PRESETS[preset] as unknown as Plain, overrides) : overrides;
  const spec = parseSpec(merged);
  if (!preset || Object.hasOwn(overrides, 'epochs')) return spec;
  const epochs = courseEpochs(preset, spec);
  // Parsed again so that every bound that involves epochs is checked on the epochs the run will take.
  return epochs === spec.epochs ? spec : parseSpec({ ...merged, epochs });
}

function parseSpec(merged: Plain): ExperimentSpec {
  const parsed = ExperimentSpecSchema.safeParse(merged);
  if (!parsed.success) {
    const issues = describeIssues(parsed.error, merged);
    throw new SpecValidationError(`Invalid experiment: ${formatIssues(issues)}`, issues);
  }
  return parsed.data;
}

export function formatIssues(issues: ValidationIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}

export function presetSpec(name: PresetName, overrides: Plain = {}): ExperimentSpec {
  return resolveExperimentRequest({ preset: name, ...overrides });
}
