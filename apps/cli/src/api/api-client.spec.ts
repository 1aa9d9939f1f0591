import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError } from '@trainyard/contracts';
import { ApiClient } from './api-client';

// What `trainyard` prints for an API's error answer is the ApiError's message (main.ts).
describe('ApiClient errors', () => {
  let server: http.Server;
  let client: ApiClient;
  let answer: { status: number; body: string };

  beforeAll(async () => {
    server = http.createServer((_req, res) => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new ApiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'ty_test');
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const failure = async (status: number, body: unknown) => {
    answer = { status, body: typeof body === 'string' ? body : JSON.stringify(body) };
    return (await client.list().then(() => undefined, (e: unknown) => e)) as ApiError;
  };

  it("gives a 4xx's own message without the status code in front; the status stays on the error", async () => {
    const over = 'Over the class limits: epochs is 31, at most 30 per run (MAX_EPOCHS_PER_JOB)';
    const err = await failure(400, { statusCode: 400, message: over, issues: [{ path: 'epochs', message: 'at most 30' }] });
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toBe(over);
    expect(err.status).toBe(400);
    expect(err.issues).toEqual([{ path: 'epochs', message: 'at most 30' }]);
    expect((await failure(404, { statusCode: 404, message: 'Experiment abc not found' })).message).toBe('Experiment abc not found');
  });

  it('keeps the hint on a 401, and the status where the answer has no message of its own or the server failed', async () => {
    expect((await failure(401, { message: 'A valid token is required' })).message).toBe('A valid token is required (check --token or TRAINYARD_TOKEN)');
    expect((await failure(403, 'not json')).message).toBe('403 Forbidden');
    expect((await failure(500, { message: 'Internal server error' })).message).toBe('500 Internal server error');
  });
});
