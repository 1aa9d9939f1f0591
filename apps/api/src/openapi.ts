import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { z } from 'zod';
import { ExperimentSpecSchema, PRESET_NAMES, ValidationIssueSchema } from '@trainyard/contracts';

export const DOCS_PATH = 'api/docs';

const toSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;

/**
 * Validation is zod (one schema shared with the worker and CLI), so the request schemas in the
 * document are generated from it rather than restated as decorated DTO classes.
 */
export function requestSchemas(): Record<string, Record<string, unknown>> {
  const spec = toSchema(ExperimentSpecSchema);
  delete spec.$schema;
  const issue = toSchema(ValidationIssueSchema);
  delete issue.$schema;
  const presetForm = {
    type: 'object',
    required: ['preset'],
    properties: { preset: { type: 'string', enum: PRESET_NAMES } },
    additionalProperties: true,
    description:
      'A preset plus overrides of any ExperimentSpec field. Nested objects merge field by field; ' +
      'a nested object with a different `type` replaces the preset value whole. The result must be a valid ExperimentSpec.',
    example: { preset: 'mnist-cnn', epochs: 2, limit: 5000 },
  };
  return {
    ExperimentSpec: spec,
    PresetRequest: presetForm,
    ExperimentRequest: {
      oneOf: [{ $ref: '#/components/schemas/PresetRequest' }, { $ref: '#/components/schemas/ExperimentSpec' }],
    },
    SuiteOverrides: {
      type: 'object',
      additionalProperties: true,
      description: 'Overrides applied to every preset of the suite (same rules as PresetRequest, without `preset`).',
      example: { epochs: 1, limit: 2000 },
    },
    LimitExceeded: {
      type: 'object',
      required: ['statusCode', 'error', 'limit', 'message'],
      properties: {
        statusCode: { type: 'integer', enum: [429] },
        error: { type: 'string' },
        limit: { type: 'string', enum: ['rate', 'queued'] },
        message: { type: 'string', description: 'Which limit, and when it frees up' },
        retryAfterSeconds: { type: 'integer', description: 'Also the Retry-After header, when known' },
      },
    },
    RunEstimate: {
      type: 'object',
      description:
        'How long a run is estimated to take: its FLOPs (`epochs` × (`samples` × `flopsPerSample` + `testSamples` × `forwardFlopsPerSample`); ' +
        'training ≈ 3 × the forward pass) over the FLOP/s the workers measured. `basis`: `measured` (this model on `backend`), ' +
        '`rough` (another model’s speed on `backend`, `fromModel`; can be wrong either way, and the time limit applies to it), or `none` (no worker has measured this yet: `seconds` null, `reason`; the time limit is not applied). ' +
        'The rate at the run’s batch comes from the measurements at other batches: log-log interpolated between the two around it (`measuredBatch`, the nearer, and `otherBatch`), × (`batchSize` ÷ `measuredBatch`)^0.5 below the smallest, the largest’s rate above it; never slower for a bigger batch. An estimate, not a bound: the worker stops a run that passes MAX_JOB_MINUTES.',
      required: ['basis', 'seconds', 'flops', 'flopsPerSample', 'forwardFlopsPerSample', 'samples', 'testSamples', 'epochs', 'batchSize'],
      properties: {
        basis: { type: 'string', enum: ['measured', 'rough', 'none'] },
        seconds: { type: 'number', nullable: true },
        flops: { type: 'number' },
        flopsPerSample: { type: 'number', description: 'training FLOPs per training image' },
        forwardFlopsPerSample: { type: 'number' },
        samples: { type: 'integer', description: 'training images per epoch' },
        testSamples: { type: 'integer' },
        epochs: { type: 'integer' },
        batchSize: { type: 'integer', description: 'images per training step: the spec’s batchSize, or all the images when fewer' },
        backend: { type: 'string', description: 'the backend whose measurement was used (the fastest at hand)' },
        flopsPerSec: { type: 'number', description: 'the FLOP/s applied at `batchSize`' },
        measuredBatch: { type: 'integer', description: 'the batch size of the measurement used (the nearer one when interpolated)' },
        otherBatch: { type: 'integer', description: 'when interpolated between two measured batches: the other one' },
        measuredAt: { type: 'string', format: 'date-time' },
        runs: { type: 'integer', description: 'completed runs behind the measurement' },
        fromModel: { type: 'string', description: '`rough` only: the model whose speed stands in' },
        reason: { type: 'string', description: '`none` only' },
      },
    },
    EstimateBody: {
      type: 'object',
      required: ['estimate', 'maxJobMinutes', 'issues'],
      properties: {
        estimate: { $ref: '#/components/schemas/RunEstimate' },
        maxJobMinutes: { type: 'number', nullable: true, description: 'MAX_JOB_MINUTES; null for an admin (exempt)' },
        issues: { type: 'array', items: issue, description: 'the per-job bounds this spec breaks: what a submission now would answer with 400' },
      },
    },
    ValidationError: {
      type: 'object',
      required: ['statusCode', 'error', 'message', 'issues'],
      properties: {
        statusCode: { type: 'integer', enum: [400] },
        error: { type: 'string' },
        message: { type: 'string' },
        issues: {
          type: 'array',
          items: issue,
        },
      },
    },
  };
}

export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Trainyard')
    .setDescription(
      'Submit CNN training experiments to the class queue and follow them. Live events: socket.io on the same origin, ' +
        'handshake `auth: { token }`, emit `subscribe {id}` (ack: history), then `experiment:event`.',
    )
    .setVersion('0.1.0')
    .addBearerAuth()
    .addSecurityRequirements('bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...requestSchemas() } };
  return document;
}

export function setupOpenApi(app: INestApplication) {
  // Public: the document holds no data, and a browser cannot send a bearer token to open it.
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApi(app), { jsonDocumentUrl: `${DOCS_PATH}/openapi.json` });
}
