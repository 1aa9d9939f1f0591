import { ANNOTATION_LIMITS, parseExperimentAnnotation } from './experiment-annotation';
import { SpecValidationError } from './experiment-request';

const issues = (body: unknown) => {
  try {
    parseExperimentAnnotation(body);
  } catch (err) {
    expect(err).toBeInstanceOf(SpecValidationError);
    return (err as SpecValidationError).issues;
  }
  throw new Error(`accepted ${JSON.stringify(body)}`);
};

describe('parseExperimentAnnotation', () => {
  it('normalises tags (trimmed, lower case, each once, order kept) and keeps the note', () => {
    expect(parseExperimentAnnotation({ tags: [' Baseline', 'lr:0.1', 'baseline'], note: 'the reference run' })).toEqual({
      tags: ['baseline', 'lr:0.1'],
      note: 'the reference run',
    });
    expect(parseExperimentAnnotation({ note: '' })).toEqual({ note: '' });
    expect(parseExperimentAnnotation({ tags: [] })).toEqual({ tags: [] });
  });

  it('refuses what is not an annotation, naming the field', () => {
    expect(issues({})).toEqual([{ path: '(root)', message: 'give tags, a note, or both' }]);
    expect(issues({ tags: 'baseline' })[0].path).toBe('tags');
    expect(issues({ tags: ['ok', ''] })[0].path).toBe('tags.1');
    expect(issues({ tags: ['<script>'] })[0].message).toMatch(/letters, digits/);
    expect(issues({ tags: ['x'.repeat(ANNOTATION_LIMITS.tagLength + 1)] })[0].path).toBe('tags.0');
    expect(issues({ tags: Array.from({ length: ANNOTATION_LIMITS.tags + 1 }, (_, i) => `t${i}`) })[0].path).toBe('tags');
    expect(issues({ note: 'x'.repeat(ANNOTATION_LIMITS.noteLength + 1) })[0].path).toBe('note');
    expect(issues({ note: 'fine', owner: 'bob' })).toEqual([{ path: 'owner', message: 'unknown field' }]);
    expect(issues(null)[0].path).toBe('(root)');
  });
});
