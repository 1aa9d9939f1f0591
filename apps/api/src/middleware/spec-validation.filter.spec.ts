import { ArgumentsHost } from '@nestjs/common';
import { SpecValidationError, type ValidationIssue } from '@trainyard/contracts';
import { ExperimentRequestPipe } from './experiment-request.pipe';
import { SpecValidationFilter } from './spec-validation.filter';

function respond(err: SpecValidationError) {
  const sent: { status?: number; body?: unknown } = {};
  const res = { status: (code: number) => ((sent.status = code), { json: (body: unknown) => (sent.body = body) }) };
  new SpecValidationFilter().catch(err, { switchToHttp: () => ({ getResponse: () => res }) } as unknown as ArgumentsHost);
  return sent;
}

describe('ExperimentRequestPipe + SpecValidationFilter', () => {
  const pipe = new ExperimentRequestPipe();

  it('turns a preset with overrides into a full spec', () => {
    const spec = pipe.transform({ preset: 'mnist-fc', epochs: 3, optimizer: { lr: 0.05 } });
    expect(spec).toMatchObject({ dataset: 'mnist-bundled', epochs: 3, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.5 }, model: { type: 'fc2layer' } });
  });

  it.each([
    [{ preset: 'mnist-fc', bogus: 1 }, 'bogus', 'unknown field'],
    [{ preset: 'mnist-fc', epochs: 0 }, 'epochs', /too small|>=/],
    [{ preset: 'mnist-fc', optimizer: { lr: -1 } }, 'optimizer.lr', /too small|>/],
    [null, '(root)', 'expected an object'],
    ['mnist-fc', '(root)', 'expected an object'],
  ])('answers %j with a 400 naming %s', (body, path, message) => {
    let caught: unknown;
    try {
      pipe.transform(body);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SpecValidationError);
    const sent = respond(caught as SpecValidationError);
    expect(sent.status).toBe(400);
    expect(sent.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.any(String) });
    const issues = (sent.body as { issues: ValidationIssue[] }).issues;
    expect(issues).toContainEqual({ path, message: expect.stringMatching(message) });
    expect((sent.body as { message: string }).message).toContain(path === '(root)' ? 'JSON object' : path);
  });
});
