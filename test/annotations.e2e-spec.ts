// A run's tags and note (PATCH /api/experiments/{id}) against a real Redis and the in-process API:
// its owner and an admin may set them, nobody else; bad input is a 400 and nothing changes.
import request from 'supertest';
import { auth, startHarness, type TestUser } from '../apps/api/testing/api-harness';
import { useFixture } from '@trainyard/testing';

jest.setTimeout(30_000);

const h = useFixture('the API harness', () => startHarness(), (harness) => harness.close());

const patch = (user: TestUser, id: string, body: unknown) => request(h.api.url).patch(`/api/experiments/${id}`).set(auth(user)).send(body as object);

async function submit(user: TestUser): Promise<string> {
  const res = await request(h.api.url).post('/api/experiments').set(auth(user)).send({ preset: 'mnist-fc', dataset: 'synthetic', limit: 64 });
  expect(res.status).toBe(201);
  return res.body.id;
}

describe('PATCH /api/experiments/{id} (tags and note)', () => {
  it('the owner sets tags and a note; the list and the record show them; a field left out is kept', async () => {
    const id = await submit('alice');
    const res = await patch('alice', id, { tags: ['Baseline', 'lr:0.1'], note: 'the reference run' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, tags: ['baseline', 'lr:0.1'], note: 'the reference run' });
    expect((await patch('alice', id, { note: 'looked again' })).body).toMatchObject({ tags: ['baseline', 'lr:0.1'], note: 'looked again' });
    const list = await request(h.api.url).get('/api/experiments').set(auth('alice'));
    expect(list.body.find((r: { id: string }) => r.id === id)).toMatchObject({ tags: ['baseline', 'lr:0.1'], note: 'looked again' });
    expect(await h.store.get(id)).toMatchObject({ tags: ['baseline', 'lr:0.1'], note: 'looked again' });
  });

  it('an admin may annotate any run; another student gets 404 and nothing changes', async () => {
    const id = await submit('alice');
    expect((await patch('admin', id, { tags: ['checked'] })).status).toBe(200);
    const refused = await patch('bob', id, { tags: ['mine'], note: 'bob was here' });
    expect(refused.status).toBe(404);
    expect(await h.store.get(id)).toMatchObject({ tags: ['checked'] });
    expect((await h.store.get(id))!.note).toBeUndefined();
  });

  it('bad input answers 400 naming the field, and nothing changes', async () => {
    const id = await submit('alice');
    await patch('alice', id, { tags: ['kept'], note: 'kept' });
    const cases: [unknown, string][] = [
      [{ tags: 'kept' }, 'tags'],
      [{ tags: ['ok', '<b>'] }, 'tags.1'],
      [{ note: 'x'.repeat(2001) }, 'note'],
      [{ note: 'ok', status: 'completed' }, 'status'],
      [{}, '(root)'],
      [[], '(root)'],
    ];
    for (const [body, path] of cases) {
      const res = await patch('alice', id, body);
      expect(res.status).toBe(400);
      expect(res.body.issues.map((i: { path: string }) => i.path)).toContain(path);
    }
    const after = (await h.store.get(id))!;
    expect(after).toMatchObject({ tags: ['kept'], note: 'kept', status: 'queued' });
    expect((await patch('alice', '0b6f0000-0000-4000-8000-000000000000', { note: 'x' })).status).toBe(404);
  });
});
