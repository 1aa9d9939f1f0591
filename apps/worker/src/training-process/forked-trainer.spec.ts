import * as path from 'node:path';
import type { ExperimentSpec, TrainingEvent } from '@trainyard/contracts';
import type { TrainOptions } from '@trainyard/training';
import { ensureWorkerBuilt } from '../../../../test/support/worker-process';
import { BackendCrashedError } from '../backend-crashed.error';
import { ForkedTrainer } from './forked-trainer';

// The real training process (built JS, as a worker runs it) over a scripted trainer module:
// what crosses the process boundary, and how each way of ending comes back.
jest.setTimeout(60_000);

const ENTRY = path.resolve(__dirname, '..', '..', 'dist', 'training-process', 'training-process.entry.js');
const SCRIPTED = path.join(__dirname, '__fixtures__', 'scripted-trainer.js');
const spec = { model: { type: 'fc2layer', hidden: 8 }, dataset: 'synthetic', seed: 7 } as unknown as ExperimentSpec;

describe('ForkedTrainer', () => {
  const trainer = new ForkedTrainer({ entry: ENTRY, trainerModule: SCRIPTED, abortGraceMs: 1000 });
  const options = (script: string, extra: Partial<TrainOptions> = {}) => ({ dataDir: '/nowhere', backend: 'cpu', script, ...extra }) as TrainOptions;

  beforeAll(() => ensureWorkerBuilt());

  it('forwards every clonable option, the events (awaited) and the log lines, and returns the result, in another process', async () => {
    const events: TrainingEvent[] = [];
    const logs: string[] = [];
    const result = (await trainer.trainExperiment(
      spec,
      options('echo', {
        saveTo: '/artifacts/x',
        onEvent: async (e) => {
          await new Promise((r) => setTimeout(r, 50));
          events.push(e);
        },
        log: (m) => logs.push(m),
        // An option the port does not know yet, with a typed array: it passes as it is.
        ...({ checkpointDir: '/artifacts/x/ckpt', weights: new Float32Array([1.5, 2]) } as object),
      }),
    )) as unknown as { forwarded: Record<string, unknown>; spec: unknown; pid: number };

    const { weights, ...plain } = result.forwarded;
    expect(plain).toEqual({ dataDir: '/nowhere', backend: 'cpu', script: 'echo', saveTo: '/artifacts/x', checkpointDir: '/artifacts/x/ckpt' });
    // Cloned in Node's own realm, not jest's: compare its kind and values.
    expect(Object.prototype.toString.call(weights)).toBe('[object Float32Array]');
    expect(Array.from(weights as Float32Array)).toEqual([1.5, 2]);
    expect(result.spec).toEqual(spec);
    expect(result.pid).not.toBe(process.pid);
    expect(events).toEqual([expect.objectContaining({ type: 'started' })]);
    expect(logs).toContain('hello from the training process');
  });

  it("keeps the class name of the training's error", async () => {
    await expect(trainer.trainExperiment(spec, options('incompatible'))).rejects.toMatchObject({ name: 'IncompatibleSpecError', message: expect.stringMatching(/normalize/) });
  });

  it('turns a wasm runtime error, or a training process that dies, into BackendCrashedError', async () => {
    await expect(trainer.trainExperiment(spec, options('wasm-crash'))).rejects.toBeInstanceOf(BackendCrashedError);
    const died = trainer.trainExperiment(spec, options('die'));
    await expect(died).rejects.toBeInstanceOf(BackendCrashedError);
    await expect(died).rejects.toThrow(/exit code 3/);
  });

  it('passes an abort to the training process, and kills one that does not stop', async () => {
    for (const script of ['until-aborted', 'block']) {
      const abort = new AbortController();
      const run = trainer.trainExperiment(spec, options(script, { signal: abort.signal, onEvent: () => abort.abort('cancel-requested') }));
      await expect(run).rejects.toMatchObject({ name: 'TrainingCancelledError', message: expect.stringMatching(/cancel-requested/) });
    }
  });

  it("fails the training with the worker's error when an event cannot be stored", async () => {
    const run = trainer.trainExperiment(spec, options('event-fails', { onEvent: () => Promise.reject(Object.assign(new Error('Connection is closed.'), { name: 'StoreUnavailable' })) }));
    await expect(run).rejects.toMatchObject({ name: 'StoreUnavailable', message: 'Connection is closed.' });
  });

  it('probes the backend with a real computation, and throws when it cannot start', async () => {
    await expect(trainer.initBackend('auto', () => undefined)).resolves.toMatchObject({ backend: 'cpu' });
    await expect(trainer.initBackend('wasm', () => undefined)).rejects.toThrow(/wasm cannot start here/);
  });
});
