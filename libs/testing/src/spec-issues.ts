import { resolveExperimentRequest, SpecValidationError } from '@trainyard/contracts';

/** The schema's issues for a request body; throws if the body is accepted. */
export function issuesOf(body: unknown): SpecValidationError['issues'] {
  try {
    resolveExperimentRequest(body);
  } catch (err) {
    if (err instanceof SpecValidationError) return err.issues;
    throw err;
  }
  throw new Error('accepted');
}
