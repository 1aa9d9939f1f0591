import { resolveExperimentRequest, SpecValidationError, type ExperimentSpec, type ValidationIssue } from '@trainyard/contracts';

/** The API's own validation, run in the browser: the same messages, before anything is sent. */
export function validateSpec(draft: Record<string, unknown>): { spec?: ExperimentSpec; issues: ValidationIssue[] } {
  try {
    return { spec: resolveExperimentRequest(draft), issues: [] };
  } catch (err) {
    if (err instanceof SpecValidationError) return { issues: err.issues };
    throw err;
  }
}
