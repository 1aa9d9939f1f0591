import { z } from 'zod';
import { ExperimentSpecSchema, type ExperimentSpec } from './experiment-spec.schema';
import { PRESETS, PRESET_NAMES, type PresetName } from './presets';

// A request is either a full spec, or `{ preset, ...overrides }`. Overrides merge into the
// preset field by field; a nested object with a different `type` replaces the preset's whole.
export const ExperimentRequestSchema = z
  .looseObject({ preset: z.enum(PRESET_NAMES as [PresetName, ...PresetName[]]).optional() });

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

export function mergeOverrides(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = base[key];
    const sameKind = isPlain(value) && isPlain(prev) && (value.type === undefined || value.type === prev.type);
    out[key] = sameKind ? mergeOverrides(prev as Plain, value as Plain) : value;
  }
  return out;
}

export class SpecValidationError extends Error {
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'SpecValidationError';
  }
}

export function describeIssues(error: z.ZodError): { path: string; message: string }[] {
  // An unknown key is reported at its own path, so a client can point at the offending field.
  return error.issues.flatMap((i) => {
    const base = i.path.map(String);
    const keys = i.code === 'unrecognized_keys' ? i.keys : [undefined];
    return keys.map((k) => ({
      path: [...base, ...(k === undefined ? [] : [k])].join('.') || '(root)',
      message: k === undefined ? i.message : 'unknown field',
    }));
  });
}

/** Turns a request body (preset + overrides, or a full spec) into a validated spec, or throws SpecValidationError. */
export function resolveExperimentRequest(body: unknown): ExperimentSpec {
  if (!isPlain(body)) {
    throw new SpecValidationError('The request body must be a JSON object', [{ path: '(root)', message: 'expected an object' }]);
  }
  const head = ExperimentRequestSchema.safeParse(body);
  if (!head.success) {
    const issues = describeIssues(head.error);
    throw new SpecValidationError(`Invalid experiment: ${formatIssues(issues)}`, issues);
  }
  const { preset, ...overrides } = body as Plain & { preset?: PresetName };
  const merged = preset ? mergeOverrides(PRESETS[preset] as unknown as Plain, overrides) : overrides;
  const parsed = ExperimentSpecSchema.safeParse(merged);
  if (!parsed.success) {
    const issues = describeIssues(parsed.error);
    throw new SpecValidationError(`Invalid experiment: ${formatIssues(issues)}`, issues);
  }
  return parsed.data;
}

export function formatIssues(issues: { path: string; message: string }[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}

export function presetSpec(name: PresetName, overrides: Plain = {}): ExperimentSpec {
  return resolveExperimentRequest({ preset: name, ...overrides });
}
