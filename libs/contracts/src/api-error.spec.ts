import { ApiError, readErrorBody } from './api-error';

describe('readErrorBody', () => {
  it("takes Nest's message, a list of messages joined, and a 400's issues", () => {
    expect(readErrorBody({ statusCode: 404, message: 'Experiment x not found', error: 'Not Found' })).toEqual({ message: 'Experiment x not found', issues: [] });
    expect(readErrorBody({ message: ['a must be set', 'b is too big'] })).toEqual({ message: 'a must be set; b is too big', issues: [] });
    const issues = [{ path: 'epochs', message: 'Too big' }];
    expect(readErrorBody({ statusCode: 400, message: 'Invalid experiment: epochs: Too big', issues })).toEqual({ message: 'Invalid experiment: epochs: Too big', issues });
  });

  it('gives no message and no issues for a body of another shape, so the caller falls back to the status', () => {
    for (const body of [undefined, null, 'Bad Gateway', 42, [], { message: 7, issues: 'x' }]) expect(readErrorBody(body)).toEqual({ message: undefined, issues: [] });
  });
});

describe('ApiError', () => {
  it('carries the status and the issues, and names itself', () => {
    const err = new ApiError(400, 'bad', [{ path: 'epochs', message: 'Too big' }]);
    expect(err).toBeInstanceOf(Error);
    expect([err.name, err.status, err.message, err.issues]).toEqual(['ApiError', 400, 'bad', [{ path: 'epochs', message: 'Too big' }]]);
    expect(new ApiError(0, 'unreachable').issues).toEqual([]);
  });
});
