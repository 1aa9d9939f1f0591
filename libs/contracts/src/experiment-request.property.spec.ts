// Property: whatever JSON a client sends, resolveExperimentRequest either returns a spec the schema
// accepts, or throws SpecValidationError with at least one issue; never another error. Bodies come
// from libs/testing/src/hostile-bodies.ts (arbitrary JSON, near-valid specs, prototype keys).
import fc from 'fast-check';
import { anyBody, withPrototypeKey } from '@trainyard/testing';
import { ExperimentSpecSchema, prototypeKeyIssues, resolveExperimentRequest, SpecValidationError } from './index';

const outcome = (raw: string) => {
  try {
    return { spec: resolveExperimentRequest(JSON.parse(raw)) };
  } catch (err) {
    return { err };
  }
};

describe('resolveExperimentRequest on any JSON body (property)', () => {
  it('returns a valid spec or throws SpecValidationError naming at least one issue', () => {
    fc.assert(
      fc.property(anyBody, (raw) => {
        const r = outcome(raw);
        if ('spec' in r) {
          expect(ExperimentSpecSchema.safeParse(r.spec).success).toBe(true);
        } else {
          expect(r.err).toBeInstanceOf(SpecValidationError);
          expect((r.err as SpecValidationError).issues.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses every body with a prototype key, naming it', () => {
    fc.assert(
      fc.property(withPrototypeKey, (raw) => {
        const r = outcome(raw);
        expect(r.err).toBeInstanceOf(SpecValidationError);
        const paths = (r.err as SpecValidationError).issues.map((i) => i.path);
        expect(paths).toEqual(prototypeKeyIssues(JSON.parse(raw)).map((i) => i.path));
        expect(paths.some((p) => /(^|\.)(__proto__|constructor|prototype)$/.test(p))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
