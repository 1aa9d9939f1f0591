import { z } from 'zod';
import { describeIssues, SpecValidationError } from './experiment-request';

/** Bounds on a run's tags and note: a label list and a line or two, not a document store. */
export const ANNOTATION_LIMITS = { tags: 12, tagLength: 32, noteLength: 2000 } as const;

/**
 * A tag: 1..32 characters of letters, digits, space, `-`, `_`, `.`, `:`, `/` (so `lr=0.1` reads
 * `lr:0.1`), trimmed and lower-cased so that "Baseline" and "baseline " are one tag.
 */
export const TagSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, 'a tag may not be empty')
  .max(ANNOTATION_LIMITS.tagLength, `a tag has at most ${ANNOTATION_LIMITS.tagLength} characters`)
  .regex(/^[\p{L}\p{N} ._:/-]+$/u, 'a tag holds letters, digits, space and - _ . : / only');

/**
 * PATCH /api/experiments/{id}: a run's tags and note, set by its owner or an admin. Either field
 * may be left out (unchanged); tags replace the run's tags (duplicates dropped, order kept); an
 * empty note clears it. Unknown fields are refused.
 */
export const ExperimentAnnotationSchema = z
  .strictObject({
    tags: z
      .array(TagSchema)
      .max(ANNOTATION_LIMITS.tags, `at most ${ANNOTATION_LIMITS.tags} tags`)
      .transform((tags) => [...new Set(tags)])
      .optional(),
    note: z.string().max(ANNOTATION_LIMITS.noteLength, `a note has at most ${ANNOTATION_LIMITS.noteLength} characters`).optional(),
  })
  .refine((a) => a.tags !== undefined || a.note !== undefined, { message: 'give tags, a note, or both' });

export type ExperimentAnnotation = z.output<typeof ExperimentAnnotationSchema>;

/** Validates a PATCH body; throws SpecValidationError (→ 400 with the offending fields) when it is not one. */
export function parseExperimentAnnotation(body: unknown): ExperimentAnnotation {
  const parsed = ExperimentAnnotationSchema.safeParse(body);
  if (!parsed.success) throw new SpecValidationError('Invalid tags or note', describeIssues(parsed.error));
  return parsed.data;
}
