import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { SpecValidationError, type ValidationIssue } from '@trainyard/contracts';

export interface ValidationErrorBody {
  statusCode: 400;
  error: 'Bad Request';
  message: string;
  issues: ValidationIssue[];
}

export const validationErrorBody = (err: SpecValidationError): ValidationErrorBody => ({
  statusCode: HttpStatus.BAD_REQUEST,
  error: 'Bad Request',
  message: err.message,
  issues: err.issues,
});

@Catch(SpecValidationError)
export class SpecValidationFilter implements ExceptionFilter<SpecValidationError> {
  catch(err: SpecValidationError, host: ArgumentsHost) {
    const res = host.switchToHttp().getResponse<{ status(code: number): { json(body: unknown): void } }>();
    res.status(HttpStatus.BAD_REQUEST).json(validationErrorBody(err));
  }
}
