import { Body, Controller, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { SUITES, SpecValidationError, isPlain, presetSpec, type Principal, type SuiteName } from '@trainyard/contracts';
import { CurrentUser } from '../auth/auth.decorators';
import { ExperimentsService } from '../services/experiments.service';


@ApiTags('experiments')
@ApiBearerAuth()
@Controller('api/suites')
export class SuitesController {
  constructor(private readonly experiments: ExperimentsService) {}

  @Post(':name')
  @ApiOperation({ summary: 'Submit every preset of a suite (e.g. week2-mnist), with optional shared overrides' })
  @ApiBody({ required: false, schema: { $ref: '#/components/schemas/SuiteOverrides' } })
  @ApiResponse({ status: 201, description: '`{suite, experiments: [...]}` in the suite’s order' })
  @ApiResponse({ status: 400, description: 'Invalid overrides; nothing enqueued' })
  @ApiResponse({ status: 404, description: 'Unknown suite' })
  @ApiResponse({ status: 429, description: 'The suite would go over your queued limit, or the rate limit; nothing enqueued' })
  @ApiQuery({ name: 'owner', required: false, description: 'Admins: submit on this student’s behalf' })
  async submit(@CurrentUser() user: Principal, @Param('name') name: string, @Body() body: unknown, @Query('owner') owner?: string) {
    if (!Object.hasOwn(SUITES, name)) throw new NotFoundException(`Unknown suite ${name}; suites: ${Object.keys(SUITES).join(', ')}`);
    const overrides = body === undefined || body === null || (isPlain(body) && Object.keys(body).length === 0) ? {} : body;
    if (!isPlain(overrides)) throw new SpecValidationError('The overrides must be a JSON object', [{ path: '(root)', message: 'expected an object' }]);
    if ('preset' in overrides) throw new SpecValidationError('A suite sets the presets itself', [{ path: 'preset', message: 'unknown field' }]);
    // Every spec is validated before anything is recorded, so one bad override enqueues nothing.
    const specs = SUITES[name as SuiteName].map((preset) => presetSpec(preset, overrides));
    const experiments = await this.experiments.submit(user, specs, { suite: name, owner });
    return { suite: name, experiments };
  }
}
