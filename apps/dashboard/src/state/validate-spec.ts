import { resolveExperimentRequest, SpecValidationError, type ExperimentSpec } from '@trainyard/contracts';
import type { Issue } from '../forms/spec-fields';

/** The API's own validation, run in the browser: the same messages, before anything is sent. */
export function validateSpec(draft: Record<string, unknown>): { spec?: ExperimentSpec; issues: Issue[] } {
  try {
    return { spec: resolveExperimentRequest(draft), issues: [] };
  } catch (err) {
    if (err instanceof SpecValidationError) return { issues: err.issues };
    throw err;
  }
}
