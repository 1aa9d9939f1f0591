import { HttpStatus } from '@nestjs/common';
import { assertNoPrototypeKeys, SpecValidationError } from '@trainyard/contracts';
import { validationErrorBody } from './spec-validation.filter';

interface Res {
  status(code: number): { json(body: unknown): void };
}

/**
 * Express middleware placed right after the JSON body parser: a body with `__proto__`,
 * `constructor` or `prototype` as a key anywhere (JSON.parse makes them own keys) answers 400 with
 * the paths, before any route merges or copies it. One gate for every route;
 * resolveExperimentRequest applies the same check for callers outside HTTP (the CLI).
 */
export function rejectPrototypeKeys() {
  return (req: { body?: unknown }, res: Res, next: (err?: unknown) => void) => {
    try {
      assertNoPrototypeKeys(req.body);
    } catch (err) {
      if (!(err instanceof SpecValidationError)) return next(err);
      res.status(HttpStatus.BAD_REQUEST).json(validationErrorBody(err));
      return;
    }
    next();
  };
}
