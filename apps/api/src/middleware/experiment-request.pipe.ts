import { Injectable, type PipeTransform } from '@nestjs/common';
import { resolveExperimentRequest, type ExperimentSpec } from '@trainyard/contracts';

/**
 * The one place a submitted body becomes an ExperimentSpec (preset + overrides, or a full spec).
 * Throws SpecValidationError, which SpecValidationFilter turns into a 400 with the offending fields.
 */
@Injectable()
export class ExperimentRequestPipe implements PipeTransform<unknown, ExperimentSpec> {
  transform(body: unknown): ExperimentSpec {
    return resolveExperimentRequest(body);
  }
}
