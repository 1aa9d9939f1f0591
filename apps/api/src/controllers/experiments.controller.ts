import { Body, Controller, Get, HttpCode, HttpStatus, NotFoundException, Param, Patch, Post, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { createReadStream } from 'node:fs';
import { parseExperimentAnnotation, type ExperimentSpec, type Principal } from '@trainyard/contracts';
import { AdminOnly, CurrentUser } from '../auth/auth.decorators';
import { ExperimentRequestPipe } from '../middleware/experiment-request.pipe';
import { ExperimentsService } from '../services/experiments.service';
import { ModelArtifactsService } from '../services/model-artifacts.service';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

@ApiTags('experiments')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'No or unknown token' })
@Controller('api/experiments')
export class ExperimentsController {
  constructor(
    private readonly experiments: ExperimentsService,
    private readonly models: ModelArtifactsService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Submit an experiment: a preset with overrides, or a full spec' })
  @ApiBody({ schema: ref('ExperimentRequest') })
  @ApiQuery({ name: 'owner', required: false, description: 'Admins: submit on this student’s behalf (exempt from the class limits)' })
  @ApiResponse({ status: 201, description: '`{id, status: "queued", position, estimatedStartAt?, estimate, spec, ...}`: `estimate` is a RunEstimate (how long it will take, and on what basis)' })
  @ApiResponse({ status: 400, description: 'Invalid spec, or over the per-job bounds (its estimate over MAX_JOB_MINUTES, named with the limit; epochs); nothing recorded or enqueued', schema: ref('ValidationError') })
  @ApiResponse({ status: 413, description: 'Body over 64 kB' })
  @ApiResponse({ status: 429, description: 'Over the queued or rate limit (which one, and when it frees up; Retry-After); nothing enqueued', schema: ref('LimitExceeded') })
  async create(@CurrentUser() user: Principal, @Body(ExperimentRequestPipe) spec: ExperimentSpec, @Query('owner') owner?: string) {
    const [created] = await this.experiments.submit(user, [spec], { owner });
    return created;
  }

  // The dashboard's form calls it as the student edits, so the estimate and the limit show before submitting.
  @Post('estimate')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Estimate a run without submitting it: the same body as POST /api/experiments; nothing is recorded or queued' })
  @ApiBody({ schema: ref('ExperimentRequest') })
  @ApiResponse({ status: 200, description: 'Its estimate, the class’s time limit, and the per-job bounds it breaks', schema: ref('EstimateBody') })
  @ApiResponse({ status: 400, description: 'Invalid spec', schema: ref('ValidationError') })
  estimate(@CurrentUser() user: Principal, @Body(ExperimentRequestPipe) spec: ExperimentSpec) {
    return this.experiments.estimate(user, spec);
  }

  @Get()
  @ApiOperation({ summary: 'Your experiments, newest first (admins: everyone’s)' })
  list(@CurrentUser() user: Principal) {
    return this.experiments.list(user);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One experiment: spec, status, timestamps, result; queued: position in the fair order and estimatedStartAt where history allows' })
  @ApiResponse({ status: 404, description: 'Unknown, or another student’s' })
  get(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.experiments.view(user, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Set a run’s tags and/or note (its owner, or an admin); a field left out is unchanged' })
  @ApiBody({ schema: { type: 'object', additionalProperties: false, properties: { tags: { type: 'array', items: { type: 'string' }, maxItems: 12 }, note: { type: 'string', maxLength: 2000 } } } })
  @ApiResponse({ status: 200, description: 'The updated experiment' })
  @ApiResponse({ status: 400, description: 'Not `{tags?, note?}` within bounds; nothing changed', schema: ref('ValidationError') })
  @ApiResponse({ status: 404, description: 'Unknown, or another student’s; nothing changed' })
  annotate(@CurrentUser() user: Principal, @Param('id') id: string, @Body() body: unknown) {
    // The schema (libs/contracts) throws SpecValidationError, which the global filter answers with a 400.
    return this.experiments.annotate(user, id, parseExperimentAnnotation(body));
  }

  @Get(':id/events')
  @ApiOperation({ summary: 'The full event history, in seq order' })
  events(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.experiments.events(user, id);
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Cancel: queued → removed and cancelled (200); running → the worker stops between batches (202)' })
  @ApiResponse({ status: 409, description: 'Already finished' })
  async cancel(@CurrentUser() user: Principal, @Param('id') id: string, @Res({ passthrough: true }) res: { status(code: number): void }) {
    const { experiment, outcome } = await this.experiments.cancel(user, id);
    if (outcome === 'requested') res.status(HttpStatus.ACCEPTED);
    return { ...experiment, cancel: outcome };
  }

  @Post(':id/priority')
  @AdminOnly()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Admins: move a queued experiment to the front of the queue (next to start)' })
  @ApiResponse({ status: 409, description: 'Not waiting in the queue' })
  raise(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.experiments.raise(user, id);
  }

  // The saved model in TF.js layers format. `tf.loadLayersModel(tf.io.http(URL, { requestInit:
  // { headers: { Authorization: 'Bearer …' } } }))` works with URL = `/api/experiments/ID/model`
  // (weight paths rewritten to `model/<file>`) or `/api/experiments/ID/model/model.json` (as saved).
  @Get(':id/model')
  @ApiOperation({ summary: 'Trained model.json (TF.js layers); weights at model/<file>' })
  @ApiResponse({ status: 404, description: 'No such experiment, or no saved model yet' })
  async model(@CurrentUser() user: Principal, @Param('id') id: string) {
    await this.experiments.getOwned(user, id);
    const json = await this.models.modelJson(id);
    if (!json) throw new NotFoundException(`Experiment ${id} has no saved model`);
    return this.models.withWeightPrefix(json, 'model/');
  }

  @Get(':id/model/model.json')
  @ApiOperation({ summary: 'Trained model.json as saved (weight paths relative to it)' })
  async modelJson(@CurrentUser() user: Principal, @Param('id') id: string) {
    await this.experiments.getOwned(user, id);
    const json = await this.models.modelJson(id);
    if (!json) throw new NotFoundException(`Experiment ${id} has no saved model`);
    return json;
  }

  @Get(':id/model/:file')
  @ApiOperation({ summary: 'A weights file listed in the model’s manifest' })
  async weights(@CurrentUser() user: Principal, @Param('id') id: string, @Param('file') file: string) {
    await this.experiments.getOwned(user, id);
    const full = await this.models.weightsFile(id, file);
    if (!full) throw new NotFoundException(`Experiment ${id} has no model file ${file}`);
    return new StreamableFile(createReadStream(full), { type: 'application/octet-stream' });
  }
}
