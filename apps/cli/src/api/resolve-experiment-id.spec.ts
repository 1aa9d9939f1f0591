import type { ExperimentView } from '@trainyard/contracts';
import { ExperimentIdError, resolveExperimentId } from './resolve-experiment-id';

const run = (id: string): ExperimentView =>
  ({ id, status: 'completed', createdAt: '2026-12-01T03:00:00.000Z', spec: { name: `run ${id.slice(0, 4)}`, model: { type: 'cnn' } } }) as unknown as ExperimentView;

describe('resolveExperimentId', () => {
  const runs = [run('04b07343-1111-4111-8111-111111111111'), run('04b0aaaa-2222-4222-8222-222222222222'), run('9f000000-3333-4333-8333-333333333333')];
  let listed = 0;
  const list = async () => {
    listed++;
    return runs;
  };
  beforeEach(() => (listed = 0));

  it('takes the short id the dashboard shows', async () => {
    await expect(resolveExperimentId('04b07343', list)).resolves.toBe(runs[0].id);
    await expect(resolveExperimentId('9F', list)).resolves.toBe(runs[2].id);
  });

  it('uses a whole id as is, without listing', async () => {
    await expect(resolveExperimentId(runs[1].id, list)).resolves.toBe(runs[1].id);
    expect(listed).toBe(0);
  });

  it('refuses an ambiguous prefix, listing every match', async () => {
    const err = await resolveExperimentId('04b0', list).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExperimentIdError);
    expect((err as Error).message).toMatch(/"04b0" matches 2 experiments/);
    expect((err as Error).message).toContain(runs[0].id);
    expect((err as Error).message).toContain(runs[1].id);
  });

  it('says when nothing of yours matches', async () => {
    await expect(resolveExperimentId('ffff', list)).rejects.toThrow(/no experiment of yours has an id starting with "ffff"/);
  });
});
