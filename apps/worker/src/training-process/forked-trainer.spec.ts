import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExperimentSpec, TrainingEvent } from '@trainyard/contracts';
import type { TrainOptions } from '@trainyard/training';
import { ensureBuilt } from '@trainyard/testing';
import { BackendCrashedError } from '../backend-crashed.error';
import { AbortReason } from '../job-errors';
import { ForkedTrainer, stopGraceMs } from './forked-trainer';

// The real training process (built JS, as a worker runs it) over a scripted trainer module:
// what crosses the process boundary, and how each way of ending comes back.
jest.setTimeout(60_000);

const ENTRY = path.resolve(__dirname, '..', '..', 'dist', 'training-process', 'training-process.entry.js');
const SCRIPTED = path.join(__dirname, '__fixtures__', 'scripted-trainer.js');
const spec = { model: { type: 'fc2layer', hidden: 8 }, dataset: 'synthetic', seed: 7 } as unknown as ExperimentSpec;

describe('ForkedTrainer', () => {
  const trainer = new ForkedTrainer({ entry: ENTRY, trainerModule: SCRIPTED, shutdownGraceMs: 1000 });
  const options = (script: string, extra: Partial<TrainOptions> = {}) => ({ dataDir: '/nowhere', backend: 'cpu', script, ...extra }) as TrainOptions;

  // ENTRY is the built training process: build apps/worker first if an edit made it stale.
  beforeAll(() => ensureBuilt(path.resolve(__dirname, '..', '..', 'tsconfig.json')));

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

  it('passes a shutdown to the training process, and kills one that does not stop within the shutdown grace', async () => {
    for (const script of ['until-aborted', 'block']) {
      const abort = new AbortController();
      const run = trainer.trainExperiment(spec, options(script, { signal: abort.signal, onEvent: () => abort.abort(AbortReason.Shutdown) }));
      await expect(run).rejects.toMatchObject({ name: 'TrainingCancelledError', message: expect.stringMatching(/worker-shutdown/) });
    }
  });

  describe('how long a stopping training process may take depends on why it stops', () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forked-trainer-'))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    /**
     * A batch of `batchMs` is running when the signal aborts with `reason`; a process allowed to
     * finish it writes `checkpointFile`, as the trainer writes its checkpoint between batches.
     */
    async function stopDuringBatch(reason: string, shutdownGraceMs: number, batchMs: number) {
      const checkpointFile = path.join(dir, 'checkpoint');
      const abort = new AbortController();
      const forked = new ForkedTrainer({ entry: ENTRY, trainerModule: SCRIPTED, shutdownGraceMs });
      const logs: string[] = [];
      const run = forked.trainExperiment(
        spec,
        options('checkpoint-after-batch', { signal: abort.signal, onEvent: () => abort.abort(reason), log: (m) => logs.push(m), ...({ batchMs, checkpointFile } as object) }),
      );
      await expect(run).rejects.toMatchObject({ name: 'TrainingCancelledError', message: expect.stringContaining(reason) });
      return { checkpointWritten: fs.existsSync(checkpointFile), logs };
    }

    it('shutdown: the current batch finishes and the checkpoint is written, within WORKER_SHUTDOWN_GRACE_MS', async () => {
      expect(await stopDuringBatch(AbortReason.Shutdown, 30_000, 1500)).toMatchObject({ checkpointWritten: true });
    });

    it('shutdown: a batch that outlasts the grace is killed, without its checkpoint', async () => {
      const { checkpointWritten, logs } = await stopDuringBatch(AbortReason.Shutdown, 200, 1500);
      expect(checkpointWritten).toBe(false);
      expect(logs).toContainEqual(expect.stringMatching(/still running 200 ms after worker-shutdown: killed/));
    });

    it.each([AbortReason.LockLost, AbortReason.Cancel, AbortReason.RecordFinished])(
      '%s: killed at once, so no checkpoint is written (a lost lock: the new owner of the job owns the checkpoint path)',
      async (reason) => {
        // A grace and a batch that would let a graceful stop write its checkpoint.
        expect(await stopDuringBatch(reason, 30_000, 1500)).toMatchObject({ checkpointWritten: false });
      },
    );

    it('settles only once the events it sent are handled, even when killed at once', async () => {
      const abort = new AbortController();
      const order: string[] = [];
      const run = trainer.trainExperiment(
        spec,
        options('until-aborted', {
          signal: abort.signal,
          onEvent: async () => {
            abort.abort(AbortReason.Cancel);
            await new Promise((r) => setTimeout(r, 300));
            order.push('event stored');
          },
        }),
      );
      await run.catch(() => order.push('settled'));
      expect(order).toEqual(['event stored', 'settled']);
    });

    it('stopGraceMs: the shutdown grace for a shutdown, 0 for every other reason', () => {
      expect(stopGraceMs(AbortReason.Shutdown, 90_000)).toBe(90_000);
      for (const reason of [AbortReason.Cancel, AbortReason.LockLost, AbortReason.RecordFinished, 'something else', undefined]) {
        expect(stopGraceMs(reason, 90_000)).toBe(0);
      }
    });
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
