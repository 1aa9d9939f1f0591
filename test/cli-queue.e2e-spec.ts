import type { ExperimentView } from '@trainyard/contracts';
import { TOKENS, type Harness, type TestUser } from '../apps/api/testing/api-harness';
import { startApiWithWorker, type ApiWithWorker } from './support/api-with-worker';
import { runTrainyard } from './support/trainyard-cli';

// The `trainyard` queue commands as a student and a TA run them, against a real API, Redis and worker.
const TINY = ['--dataset', 'synthetic', '--limit', '64', '--test-limit', '32'];

jest.setTimeout(120_000);

describe('trainyard queue commands (e2e)', () => {
  let h: Harness;

  function trainyard(user: TestUser | { token: string }, args: string[]) {
    const token = typeof user === 'string' ? TOKENS[user] : user.token;
    return runTrainyard(args, { timeout: 90_000, env: { ...process.env, TRAINYARD_API: h.api.url, TRAINYARD_TOKEN: token } });
  }

  let stack: ApiWithWorker;
  beforeAll(async () => {
    stack = await startApiWithWorker('cli-worker');
    ({ h } = stack);
  });

  afterAll(() => stack?.close());

  it('submit --watch follows a run to its result; list and show find it, for its owner only', async () => {
    const watched = await trainyard('alice', ['submit', '--preset', 'mnist-fc', ...TINY, '--watch']);
    expect(watched.code).toBe(0);
    const id = watched.stdout.split(/\s+/)[0];
    expect(watched.stdout).toMatch(/test accuracy \d+\.\d+% \(\d+\/32\), 6442 params/);
    expect((await h.store.get(id))!.status).toBe('completed');

    const list = JSON.parse((await trainyard('alice', ['list', '--json'])).stdout) as ExperimentView[];
    expect(list.map((e) => e.id)).toContain(id);
    const shown = JSON.parse((await trainyard('alice', ['show', id, '--json', '--events'])).stdout) as ExperimentView & { events: { seq: number }[] };
    expect(shown.status).toBe('completed');
    expect(shown.events.map((e) => e.seq)).toEqual(shown.events.map((_, i) => i + 1));

    // Another student: not in the list, and `show` answers as if it did not exist.
    expect(JSON.parse((await trainyard('bob', ['list', '--json'])).stdout)).toEqual([]);
    const bobShow = await trainyard('bob', ['show', id]);
    expect(bobShow.code).not.toBe(0);
    expect(bobShow.stderr).toMatch(/not found/);
  });

  it('cancel stops a queued run; a bad spec is refused with the offending field and nothing queued', async () => {
    await h.queue.pause();
    try {
      const submitted = await trainyard('alice', ['submit', '--preset', 'mnist-cnn', ...TINY, '--json']);
      const { id } = JSON.parse(submitted.stdout) as ExperimentView;
      const cancelled = await trainyard('alice', ['cancel', id]);
      expect(cancelled).toMatchObject({ code: 0, stdout: `${id}: cancelled\n` });
      expect((await h.store.get(id))!.status).toBe('cancelled');

      const before = await h.queue.count();
      const bad = await trainyard('alice', ['submit', '--preset', 'mnist-cnn', '--epochs', '100000']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/epochs/);
      expect(await h.queue.count()).toBe(before);
    } finally {
      await h.queue.resume();
    }
  });

  it('a TA adds, rotates and revokes a student with `trainyard roster`; the old tokens stop working', async () => {
    const added = await trainyard('admin', ['roster', 'add', 'carol']);
    expect(added.code).toBe(0);
    const token = /token: (\S+)/.exec(added.stdout)![1];
    expect((await trainyard({ token }, ['list', '--json'])).code).toBe(0);

    const rotated = await trainyard('admin', ['roster', 'rotate', 'carol']);
    const newToken = /new token: (\S+)/.exec(rotated.stdout)![1];
    const old = await trainyard({ token }, ['list']);
    expect(old.code).not.toBe(0);
    expect(old.stderr).toMatch(/A valid token is required.*check --token/);
    expect((await trainyard({ token: newToken }, ['list', '--json'])).code).toBe(0);

    expect((await trainyard('admin', ['roster', 'revoke', 'carol'])).code).toBe(0);
    expect((await trainyard({ token: newToken }, ['list'])).stderr).toMatch(/A valid token is required/);
    // A student cannot manage the roster.
    const denied = await trainyard('alice', ['roster', 'add', 'mallory']);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/Admins only/);
  });

  it('without a token it says how to get one', async () => {
    const res = await trainyard({ token: '' }, ['list']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/no token: pass --token or set TRAINYARD_TOKEN/);
  });
});
