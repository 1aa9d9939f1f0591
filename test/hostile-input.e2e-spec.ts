// Hostile request bodies through the real HTTP stack (express's JSON parser, Nest, the schema) with
// a real Redis: prototype keys anywhere in a body answer 400 naming the path,
// and nothing is recorded or enqueued.
import request from 'supertest';
import { auth, useHarness } from '../apps/api/testing/api-harness';

jest.setTimeout(60_000);

const h = useHarness();

const http = () => request(h.api.url);

async function queueSize() {
  const counts = await h.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'paused');
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
const listed = async () => (await http().get('/api/experiments').set(auth('admin'))).body.length as number;

describe('prototype keys in a body', () => {
  // Raw JSON text, as a client sends it: JSON.parse turns `"__proto__"` into an own key, which an
  // object literal in this file would not.
  const cases: [string, string, string, string][] = [
    ['top level', '/api/experiments', '{"preset":"mnist-fc","__proto__":{"limit":77}}', '__proto__'],
    ['inside model', '/api/experiments', '{"preset":"mnist-cnn","model":{"__proto__":{"head":"conv1x1"}}}', 'model.__proto__'],
    ['inside transforms', '/api/experiments', '{"preset":"mnist-fc","transforms":{"__proto__":{"randomCrop":{"padding":2}}}}', 'transforms.__proto__'],
    ['constructor.prototype', '/api/experiments', '{"preset":"mnist-fc","constructor":{"prototype":{"limit":3}}}', 'constructor'],
    ['in a full spec', '/api/experiments', '{"dataset":"synthetic","model":{"type":"fc2layer"},"optimizer":{"type":"sgd","lr":0.1},"epochs":1,"batchSize":8,"testBatchSize":8,"__proto__":{"limit":5}}', '__proto__'],
    ['in suite overrides', '/api/suites/week2-mnist', '{"__proto__":{"limit":77}}', '__proto__'],
    ['inside a suite override', '/api/suites/week2-mnist', '{"transforms":{"__proto__":{"horizontalFlip":true}}}', 'transforms.__proto__'],
    ['in an array', '/api/experiments', '{"preset":"mnist-fc","transforms":{"normalize":{"mean":[0.5],"std":[{"prototype":1}]}}}', 'transforms.normalize.std.0.prototype'],
  ];

  it.each(cases)('%s: POST %s %s answers 400 naming %s, and nothing is enqueued', async (_, url, raw, path) => {
    const [before, records] = [await queueSize(), await listed()];
    const res = await http().post(url).set(auth('alice')).set('Content-Type', 'application/json').send(raw);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(res.body.message).toContain(`Forbidden key in the request body at ${path}`);
    expect(res.body.issues).toContainEqual({ path, message: 'forbidden key' });
    expect(await queueSize()).toBe(before);
    expect(await listed()).toBe(records);
  });

  it('refuses them in bodies that are not specs too (an admin adding a user)', async () => {
    const res = await http().post('/api/admin/roster').set(auth('admin')).set('Content-Type', 'application/json').send('{"name":"eve","__proto__":{"role":"admin"}}');
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([{ path: '__proto__', message: 'forbidden key' }]);
    const roster = await http().get('/api/admin/roster').set(auth('admin'));
    expect(JSON.stringify(roster.body)).not.toContain('eve');
  });

  it('still accepts the same override given as an ordinary field', async () => {
    const res = await http().post('/api/experiments').set(auth('alice')).set('Content-Type', 'application/json').send('{"preset":"mnist-fc","limit":77,"epochs":1}');
    expect(res.status).toBe(201);
    expect(res.body.spec.limit).toBe(77);
  });
});
