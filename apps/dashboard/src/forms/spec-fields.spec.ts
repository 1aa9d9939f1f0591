import { presetSpec, resolveExperimentRequest, SpecValidationError } from '@trainyard/contracts';
import { issuesByField, parseNumberList, parseNumberText, setPath, specFields, variantValue, withJobLimits } from './spec-fields';

const draftOf = (preset: 'mnist-cnn' | 'cifar10-vgg16') => presetSpec(preset) as unknown as Record<string, unknown>;
const issuesOf = (draft: Record<string, unknown>) => {
  try {
    resolveExperimentRequest(draft);
    return [];
  } catch (err) {
    return (err as SpecValidationError).issues;
  }
};

describe('specFields', () => {
  it('lists every spec field, with the chosen model variant’s own fields', () => {
    const fields = specFields(draftOf('mnist-cnn'));
    const paths = fields.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining(['name', 'dataset', 'model.type', 'model.features', 'model.head', 'optimizer.type', 'optimizer.lr', 'optimizer.momentum', 'epochs', 'batchSize', 'shuffle', 'transforms.normalize', 'transforms.normalize.mean', 'permutePixels', 'limit']),
    );
    expect(paths).not.toContain('model.hidden');
    expect(fields.find((f) => f.path === 'batchSize')).toMatchObject({ kind: 'number', integer: true, range: '1 to 4096' });
    expect(fields.find((f) => f.path === 'model.type')).toMatchObject({ kind: 'variant', options: ['fc2layer', 'cnn', 'cifar-cnn', 'vgg16'], value: 'cnn' });
    expect(fields.find((f) => f.path === 'permutePixels')).toMatchObject({ kind: 'off-or-number' });
    expect(fields.find((f) => f.path === 'limit')).toMatchObject({ optional: true });
  });

  // Once the hint said "Epochs 1 to 200" (the schema) where the class refuses 31 (the API's
  // MAX_EPOCHS_PER_JOB, which GET /api/me gives a student).
  it('hints the class limits the API enforces on epochs, when it gives any (a student), else the schema\'s', () => {
    const fields = specFields(draftOf('mnist-cnn'));
    expect(fields.find((f) => f.path === 'epochs')).toMatchObject({ range: '1 to 200' });
    const limited = withJobLimits(fields, { maxEpochsPerJob: 30, maxSampleEpochsPerJob: 1_000_000, maxJobMinutes: 60 });
    expect(limited.find((f) => f.path === 'epochs')).toMatchObject({ range: '1 to 30 in this class, and at most 60 min a run (estimated below)' });
    expect(limited.filter((f) => f.path !== 'epochs')).toEqual(fields.filter((f) => f.path !== 'epochs'));
    expect(withJobLimits(fields, undefined)).toEqual(fields);
  });

  it('switching a variant keeps shared values and fills defaults', () => {
    expect(variantValue('optimizer', 'adam', { type: 'sgd', lr: 0.01, momentum: 0.5 })).toEqual({ type: 'adam', lr: 0.01 });
    expect(variantValue('model', 'fc2layer', { type: 'cnn', features: 6, head: 'fc' })).toEqual({ type: 'fc2layer', hidden: 8 });
  });

  it('places the API’s issues on their fields, array items on the array', () => {
    let draft = setPath(draftOf('cifar10-vgg16'), 'batchSize', 0);
    draft = setPath(draft, 'transforms.normalize.mean', [0.5, 'x']);
    draft = setPath(draft, 'bogus', 1);
    const byField = issuesByField(issuesOf(draft), specFields(draft));
    expect(byField.get('batchSize')?.[0]).toMatch(/>=1/);
    expect(byField.get('transforms.normalize.mean')).toHaveLength(1);
    expect(byField.get('')).toEqual(['bogus: unknown field']);
  });

  it('setPath copies, and removes a key set to undefined', () => {
    const draft = { a: { b: 1, c: 2 } };
    const next = setPath(draft, 'a.b', undefined);
    expect(next).toEqual({ a: { c: 2 } });
    expect(draft).toEqual({ a: { b: 1, c: 2 } });
  });

  it('parses typed numbers, keeping bad text for the schema to name', () => {
    expect(parseNumberText(' 64 ')).toBe(64);
    expect(parseNumberText('')).toBeUndefined();
    expect(parseNumberText('6x')).toBe('6x');
    expect(parseNumberList('0.4914, 0.4822 0.4465')).toEqual([0.4914, 0.4822, 0.4465]);
    expect(parseNumberList('0.5, a')).toBe('0.5, a');
  });
});
