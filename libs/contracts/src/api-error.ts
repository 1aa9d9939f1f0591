import { isPlain, type ValidationIssue } from './experiment-request';

// Shared by the clients of the HTTP API (the CLI, the dashboard): browser-safe, no node: imports.

/**
 * An HTTP error from the Trainyard API: the response's status (0 when the API could not be
 * reached), a readable message, and on a 400 the offending fields.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues: ValidationIssue[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * The message and issues of an error response's parsed body: Nest's `{statusCode, message, error}`
 * (`message` a string, or a list joined with '; '), with `issues` on a validation 400. A body of
 * another shape (text, nothing) gives no message and no issues: the caller falls back to the status.
 */
export function readErrorBody(body: unknown): { message?: string; issues: ValidationIssue[] } {
  const fields = isPlain(body) ? body : {};
  const message = typeof fields.message === 'string' ? fields.message : Array.isArray(fields.message) ? fields.message.join('; ') : undefined;
  return { message, issues: Array.isArray(fields.issues) ? (fields.issues as ValidationIssue[]) : [] };
}
