interface ParserError {
  status?: number;
  expose?: boolean;
  type?: string;
  message: string;
}
interface Res {
  status(code: number): { json(body: unknown): void };
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 413: 'Payload Too Large', 415: 'Unsupported Media Type' };

/**
 * Express error handler placed right after the JSON body parser: its client errors (malformed
 * JSON, body over the limit, bad charset) answer in the API's JSON error shape. Without it, Nest
 * maps only the malformed-JSON case and answers the others with a 500.
 */
export function bodyParserErrors(limit: string) {
  return (err: ParserError, _req: unknown, res: Res, next: (err: unknown) => void) => {
    const status = err?.status;
    if (!err?.expose || typeof status !== 'number' || status < 400 || status >= 500) return next(err);
    res.status(status).json({
      statusCode: status,
      error: REASONS[status] ?? 'Client Error',
      message: err.type === 'entity.too.large' ? `The request body is over the ${limit} limit` : err.message,
    });
  };
}
