import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type Redis from 'ioredis';
import pino from 'pino';
import { DelayedError, UnrecoverableError, WaitingError, type Job, type Queue } from 'bullmq';
import { presetSpec, runWork, type TrainingResult } from '@trainyard/contracts';
import { ExperimentStore } from '@trainyard/experiment-store';
import { FairShareScheduler, ThroughputStore, type TrainJobData } from '@trainyard/training-queue';
import type { AppConfig } from '@trainyard/config';
import type { RedisClients } from '@trainyard/core';
import { deleteKeys, testPrefix, until, useTestRedis } from '@trainyard/testing';
import { DatasetDamagedError, DatasetMissingError, IncompatibleSpecError } from '@trainyard/training';
import { BackendCrashedError } from './backend-crashed.error';
import { AbortReason } from './job-errors';
import { ATTEMPT_TIME_SAVE_MS, MIN_MEASURED_STEPS, TrainExperimentHandler } from './train-experiment.handler';
import { reviveError, serializeError } from './training-process/training-process.protocol';
import type { Trainer } from './trainer.port';
import type { WorkerHeartbeatService } from './worker-heartbeat.service';

// The handler's decisions, with the trainer faked and the store real: what is recorded, and
// what BullMQ is told (return, UnrecoverableError, plain error for a retry, WaitingError).
describe('TrainExperimentHandler', () => {
  const t = useTestRedis();
  let subscriber: Redis;
  let prefix: string;
  let store: ExperimentStore;

  beforeAll(() => {
    subscriber = t.connect();
  });
  beforeEach(() => {
    prefix = testPrefix();
    store = new ExperimentStore(t.redis, { prefix });
  });
  afterEach(() => deleteKeys(t.redis, prefix));

  let heartbeat: WorkerHeartbeatService & { recheckBackend: jest.Mock };
  beforeEach(() => {
    heartbeat = { jobStarted: jest.fn(), jobEnded: jest.fn(), recheckBackend: jest.fn(async () => true) } as unknown as typeof heartbeat;
  });
  const handlerWith = (trainExperiment: Trainer['trainExperiment'], artifactsDir = '/nonexistent') => {
    const config = { queuePrefix: prefix, dataDir: '/nonexistent', artifactsDir, workerName: 'w1', limits: { maxRunningPerStudent: 1 } } as AppConfig;
    const queueKeys = { keys: { wait: `${prefix}:training:wait`, prioritized: `${prefix}:training:prioritized`, active: `${prefix}:training:active`, delayed: `${prefix}:training:delayed` }, toKey: (id: string) => `${prefix}:training:${id}` };
    const queue = { getJobCounts: async () => ({ waiting: 2, prioritized: 0, delayed: 0 }), toKey: queueKeys.toKey } as unknown as Queue<TrainJobData>;
    const fair = new FairShareScheduler(t.redis, { prefix, queue: queueKeys });
    const trainer: Trainer = { trainExperiment, initBackend: async () => ({ backend: 'cpu', reason: 'test', passedOver: [] }) };
    const backend = { backend: 'cpu' as const, reason: 'test', passedOver: [] };
    return new TrainExperimentHandler(config, store, trainer, backend, { subscriber } as RedisClients, queue, pino({ level: 'silent' }), fair, heartbeat, new ThroughputStore(t.redis, { prefix }));
  };
  const jobFor = (experimentId: string, attemptsMade = 0, extra: Partial<TrainJobData> = {}) => {
    const moveToWait = jest.fn(async () => 0);
    const moveToDelayed = jest.fn(async () => undefined);
    const updateData = jest.fn(async (data: TrainJobData) => void (job.data = data));
    const job = { id: experimentId, data: { experimentId, owner: 'alice', ...extra }, opts: { attempts: 3 }, attemptsMade, moveToWait, moveToDelayed, updateData };
    return job as unknown as Job<TrainJobData> & { moveToWait: jest.Mock; moveToDelayed: jest.Mock; updateData: jest.Mock };
  };
  const submitted = async (overrides: Parameters<typeof presetSpec>[1] = {}) => {
    const record = await store.create({ owner: 'alice', spec: presetSpec('mnist-fc', { dataset: 'synthetic', ...overrides }) });
    await store.appendEvent(record.id, { type: 'queued', position: 1 });
    // As BullMQ does for the worker that takes the job: its lock, holding the job's token.
    await t.redis.set(lockKey(record.id), 'token');
    return record.id;
  };
  const lockKey = (id: string) => `${prefix}:training:${id}:lock`;
  const types = async (id: string) => (await store.events(id)).map((e) => e.type);
  const started = { type: 'started', backend: 'cpu', params: 1, trainSamples: 1, testSamples: 1, epochs: 1, batches: 1 } as const;
  /** Resolves once `signal` aborts, at once if it already has (as the trainer checks between batches). */
  const aborted = (signal: AbortSignal) => new Promise((resolve) => (signal.aborted ? resolve(undefined) : signal.addEventListener('abort', resolve)));
  /** A trainer that reports `started`, then trains until its signal aborts. */
  const untilAborted = (async (_spec, opts) => {
    await opts.onEvent!(started);
    await aborted(opts.signal!);
    throw new Error('aborted');
  }) as Trainer['trainExperiment'];

  it('records a transient failure as queued and rethrows it for a retry, failed on the last attempt', async () => {
    const handler = handlerWith(async (_spec, opts) => {
      await opts.onEvent!(started);
      throw new Error('Connection reset');
    });
    const id = await submitted();
    await expect(handler.handle(jobFor(id, 0), 'token', undefined)).rejects.toThrow('Connection reset');
    expect(await types(id)).toEqual(['queued', 'started', 'queued']);
    expect((await store.events(id)).at(-1)).toMatchObject({ position: 3 });
    await expect(handler.handle(jobFor(id, 2), 'token', undefined)).rejects.not.toBeInstanceOf(UnrecoverableError);
    expect(await store.get(id)).toMatchObject({ status: 'failed', error: 'Connection reset' });
  });

  it('stores `completed` from the result the trainer returns: one writer, one event', async () => {
    const result = { testAccuracy: 0.9, seconds: 1 } as TrainingResult;
    const handler = handlerWith(async (_spec, opts) => {
      await opts.onEvent!(started);
      return result;
    });
    const id = await submitted();
    await expect(handler.handle(jobFor(id), 'token', undefined)).resolves.toEqual({ outcome: 'completed', testAccuracy: 0.9 });
    expect(await types(id)).toEqual(['queued', 'started', 'completed']);
    expect(await store.get(id)).toMatchObject({ status: 'completed', result });
  });

  it('rates a run by the images it loaded, not the canonical set; a resumed attempt, which did part of the work, is not rated', async () => {
    const recordDuration = jest.spyOn(FairShareScheduler.prototype, 'recordDuration');
    try {
      const result = { testAccuracy: 0.5, seconds: 1, trainSamples: 2000 } as TrainingResult;
      const fresh = handlerWith(async (_spec, opts) => {
        await opts.onEvent!({ ...started, trainSamples: 2000 });
        return result;
      });
      const id = await submitted();
      const epochs = (await store.get(id))!.spec.epochs;
      await expect(fresh.handle(jobFor(id), 'token', undefined)).resolves.toMatchObject({ outcome: 'completed', imageEpochs: 2000 * epochs });
      expect(recordDuration).toHaveBeenCalledTimes(1);
      expect(recordDuration).toHaveBeenLastCalledWith('fc2layer/synthetic', expect.any(Number), 2000 * epochs);

      const resumedRun = handlerWith(async (_spec, opts) => {
        await opts.onEvent!({ type: 'resumed', fromEpoch: 1, fromBatch: 3 } as never);
        return result;
      });
      const outcome = await resumedRun.handle(jobFor(await submitted()), 'token', undefined);
      expect(outcome).toMatchObject({ outcome: 'completed' });
      expect(outcome).not.toHaveProperty('imageEpochs');
      expect(recordDuration).toHaveBeenCalledTimes(1);
    } finally {
      recordDuration.mockRestore();
    }
  });

  it("measures a fresh run's training FLOP/s for its model, batch size and this worker's backend, from the trainer's samplesPerSec; a resumed attempt is not measured", async () => {
    const throughput = new ThroughputStore(t.redis, { prefix });
    // samplesPerSec is the trainer's training rate (test passes, data loading and start-up
    // excluded): the measurement comes from it, not from the handler's wall time, which in a
    // short run is mostly start-up (an fc2layer run measured 1.18 GFLOP/s on wall time, 2.3 steady).
    // 20,000 images at batch 64: 313 steps, past MIN_MEASURED_STEPS.
    const result = { testAccuracy: 0.5, seconds: 100, trainSamples: 20000, testSamples: 300, samplesPerSec: 500 } as TrainingResult;
    const trainer = async (_spec: unknown, opts: Parameters<Trainer['trainExperiment']>[1]) => {
      await opts.onEvent!({ ...started, trainSamples: 20000 });
      return result;
    };
    const id = await submitted();
    const spec = (await store.get(id))!.spec;
    const work = runWork(spec, 20000, 300);
    const outcome = await handlerWith(trainer).handle(jobFor(id), 'token', undefined);
    expect(outcome).toMatchObject({ outcome: 'completed', flops: work.flops });
    const [measured, ...others] = await throughput.all();
    expect(others).toEqual([]);
    expect(measured).toMatchObject({ model: 'fc2layer', backend: 'cpu', batchSize: spec.batchSize, runs: 1 });
    expect(measured.flopsPerSec).toBeCloseTo(work.flopsPerSample * 500, 6);

    // The same model at batch 1 is a measurement of its own, and leaves the batch-64 one alone.
    await handlerWith(async (s, opts) => trainer(s, opts).then(() => ({ ...result, samplesPerSec: 80 }))).handle(jobFor(await submitted({ batchSize: 1 })), 'token', undefined);
    const all = await throughput.all();
    expect(all).toHaveLength(2);
    expect(all).toContainEqual(measured);
    expect(all).toContainEqual(expect.objectContaining({ model: 'fc2layer', backend: 'cpu', batchSize: 1, runs: 1, flopsPerSec: expect.closeTo(work.flopsPerSample * 80, 6) }));

    const resumed = await handlerWith(async (_spec, opts) => {
      await opts.onEvent!({ type: 'resumed', fromEpoch: 1, fromBatch: 3 } as never);
      return result;
    }).handle(jobFor(await submitted()), 'token', undefined);
    expect(resumed).not.toHaveProperty('flops');
    expect(await throughput.all()).toEqual(all);
  });

  it('does not measure a run too short to be past the warm-up (fewer than MIN_MEASURED_STEPS steps); one just past it is measured', async () => {
    const throughput = new ThroughputStore(t.redis, { prefix });
    // The reviewer's case: a 1-step run (limit 64 images, batch 64) measured a fifth of the
    // steady rate, and eight of them cut the batch-64 figure from 5.37 to 1.08 GFLOP/s.
    const runOf = (trainSamples: number) =>
      handlerWith(async (_spec, opts) => {
        await opts.onEvent!({ ...started, trainSamples });
        return { testAccuracy: 0.5, seconds: 1, trainSamples, testSamples: 10, samplesPerSec: 50 } as TrainingResult;
      });
    const short = await submitted({ batchSize: 64, epochs: 1 });
    await expect(runOf(64).handle(jobFor(short), 'token', undefined)).resolves.toMatchObject({ outcome: 'completed' });
    // Steps are batches × epochs: 199 batches of one image over one epoch is one short.
    await runOf(MIN_MEASURED_STEPS - 1).handle(jobFor(await submitted({ batchSize: 1, epochs: 1 })), 'token', undefined);
    expect(await throughput.all()).toEqual([]);
    // 100 images at batch 1 over 2 epochs: 200 steps.
    await runOf(MIN_MEASURED_STEPS / 2).handle(jobFor(await submitted({ batchSize: 1, epochs: 2 })), 'token', undefined);
    expect(await throughput.all()).toEqual([expect.objectContaining({ model: 'fc2layer', batchSize: 1, runs: 1 })]);
  });

  it("stops a run whose training passes the job's maxMinutes (MAX_JOB_MINUTES, set by the API): failed with the limit named, no retry", async () => {
    // Trains until told to stop: only the handler's own time limit can end this run.
    const handler = handlerWith(untilAborted);
    const id = await submitted();
    const job = jobFor(id, 0, { maxMinutes: 0.001 }); // 60 ms
    const run = handler.handle(job, 'token', undefined);
    await expect(run).rejects.toBeInstanceOf(UnrecoverableError);
    const message = 'stopped after 0.001 min: this class allows at most 0.001 min per job (MAX_JOB_MINUTES); ask a TA to submit a longer run';
    await expect(run).rejects.toThrow(message);
    expect(await store.get(id)).toMatchObject({ status: 'failed', error: message });
    expect(await types(id)).toEqual(['queued', 'started', 'failed']);
    expect(job.moveToWait).not.toHaveBeenCalled();

    // Without maxMinutes (an admin's run), nothing stops it but its end; nor with a limit longer
    // than a Node timer can wait (2^31−1 ms, 24.8 days), which would otherwise fire at once.
    for (const extra of [{}, { maxMinutes: 1e6 }]) {
      let finish!: () => void;
      const unbounded = handlerWith(async (_spec, opts) => {
        await opts.onEvent!(started);
        // Stops when told to, as the trainer does: a limit that fired would show.
        await new Promise<void>((resolve, reject) => {
          finish = resolve;
          opts.signal!.addEventListener('abort', () => reject(new Error('aborted')));
        });
        return { testAccuracy: 0.5, seconds: 1 } as TrainingResult;
      });
      const other = await submitted();
      const running = unbounded.handle(jobFor(other, 0, extra), 'token', undefined);
      await until(async () => (await types(other)).includes('started'), 'the unbounded run to start');
      // Well past the other run's window: still running.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await store.get(other))!.status).toBe('running');
      finish();
      await expect(running).resolves.toMatchObject({ outcome: 'completed' });
    }
  });

  it("counts a resumed run's earlier training (from its checkpoint) against maxMinutes: a resume does not start a fresh window", async () => {
    // An attempt resumed from a checkpoint that already holds 60 s of training, under a 1-min limit:
    // nothing is left, so it stops at once (a fresh window would let it train another minute).
    const handler = handlerWith(async (_spec, opts) => {
      await opts.onEvent!(started);
      await opts.onEvent!({ type: 'resumed', fromEpoch: 2, fromBatch: 0, trainedSeconds: 60 });
      await aborted(opts.signal!);
      throw new Error('aborted');
    });
    const id = await submitted();
    const run = handler.handle(jobFor(id, 1, { maxMinutes: 1 }), 'token', undefined);
    await expect(run).rejects.toThrow('stopped after 1 min: this class allows at most 1 min per job');
    expect(await store.get(id)).toMatchObject({ status: 'failed' });
  }, 20_000);

  it('counts the time earlier attempts saved against maxMinutes, a worker killed with kill -9 before any checkpoint included', async () => {
    const handler = handlerWith(untilAborted);
    const id = await submitted();
    // What a killed attempt left: the minute it saved while training (it re-trained ground already
    // in the history, so no event of it was stored), and no checkpoint.
    await store.saveAttemptTime(id, 'an-earlier-attempt', 60_000);
    // A 1-min limit with a minute used: it stops at once (a fresh window would train a minute more).
    const run = handler.handle(jobFor(id, 1, { maxMinutes: 1 }), 'token', undefined);
    await expect(run).rejects.toThrow('stopped after 1 min: this class allows at most 1 min per job');
  }, 20_000);

  it('saves its own training time while it trains (every ATTEMPT_TIME_SAVE_MS) and when it stops, for the next attempt', async () => {
    const handler = handlerWith(untilAborted);
    const id = await submitted();
    const shutdown = new AbortController();
    const began = performance.now();
    const run = handler.handle(jobFor(id, 0, { maxMinutes: 60 }), 'token', shutdown.signal);
    // Saved while it still trains: a kill -9 now would leave this much counted.
    await until(async () => (await store.attemptsTime(id)) > 0, 'the attempt time saved while training', ATTEMPT_TIME_SAVE_MS * 6);
    const whileTraining = await store.attemptsTime(id);
    expect(whileTraining).toBeGreaterThanOrEqual(ATTEMPT_TIME_SAVE_MS);
    shutdown.abort(AbortReason.Shutdown);
    await expect(run).rejects.toBeInstanceOf(WaitingError);
    // And once more as it stops: the time since the last save counts too.
    const saved = await store.attemptsTime(id);
    expect(saved).toBeGreaterThan(whileTraining);
    expect(saved).toBeLessThanOrEqual(performance.now() - began);
  }, ATTEMPT_TIME_SAVE_MS * 8);

  it('parses the stored spec with the shared schema before training: one stored by an older version that fails it is failed at once', async () => {
    const trainer = jest.fn(async () => ({ testAccuracy: 1 }) as TrainingResult);
    const handler = handlerWith(trainer);
    const id = await submitted();
    // As an older version may have stored it: a field today's schema does not know.
    await t.redis.hset(store.keys.record(id), 'spec', JSON.stringify({ ...presetSpec('mnist-fc', { dataset: 'synthetic' }), dropout: 0.5 }));
    await expect(handler.handle(jobFor(id), 'token', undefined)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(trainer).not.toHaveBeenCalled();
    expect(await store.get(id)).toMatchObject({ status: 'failed', error: expect.stringMatching(/dropout: unknown field/) });
  });

  it('fails a spec the data cannot take without retry', async () => {
    const handler = handlerWith(async () => {
      throw new IncompatibleSpecError('fc2layer on synthetic (28×28×1): normalize mean has 3 values');
    });
    const id = await submitted();
    await expect(handler.handle(jobFor(id), 'token', undefined)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(await store.get(id)).toMatchObject({ status: 'failed', error: expect.stringMatching(/normalize/) });
  });

  it('fails a run whose data set is missing at once: the student gets no server path, the TA the action', async () => {
    const detail = 'CIFAR-10: no batch files in /srv/data/cifar10/cifar-10-batches-bin; run `trainyard data fetch cifar10 --data-dir /srv/data`';
    const handler = handlerWith(async () => {
      // As it arrives from the training process.
      throw reviveError(serializeError(new DatasetMissingError('cifar10', detail)));
    });
    const id = await submitted();
    await expect(handler.handle(jobFor(id, 0), 'token', undefined)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(await types(id)).toEqual(['queued', 'failed']);
    const events = await store.events(id);
    expect(JSON.stringify(events)).not.toContain('/srv/data');
    expect(await store.get(id)).toMatchObject({ status: 'failed', error: 'CIFAR-10 is not installed on this server; ask your TA', adminNote: detail });
  });

  it('fails a run whose data set is damaged at once: the student gets no server path, the TA the file, the fault and the command', async () => {
    const detail =
      'MNIST: /srv/data/mnist/train-images-idx3-ubyte: wrong magic number 4660, expected 2051 (idx3 images). To repair it, delete /srv/data/mnist/train-images-idx3-ubyte and run `trainyard data fetch mnist --data-dir /srv/data`';
    const handler = handlerWith(async () => {
      throw reviveError(serializeError(new DatasetDamagedError('mnist', detail)));
    });
    const id = await submitted();
    const job = jobFor(id, 0);
    await expect(handler.handle(job, 'token', undefined)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(await types(id)).toEqual(['queued', 'failed']);
    expect(JSON.stringify(await store.events(id))).not.toContain('/srv/data');
    expect(await store.get(id)).toMatchObject({ status: 'failed', error: 'MNIST on this server is damaged or unreadable; ask your TA', adminNote: detail });
  });

  it("retries a backend crash without using an attempt, fails the second, and checks the worker's backend", async () => {
    const handler = handlerWith(async (_spec, opts) => {
      await opts.onEvent!(started);
      throw new BackendCrashedError('training backend failed: RuntimeError: memory access out of bounds');
    });
    const id = await submitted();
    const first = jobFor(id, 0);
    await expect(handler.handle(first, 'token', undefined)).rejects.toBeInstanceOf(WaitingError);
    expect(first.moveToWait).toHaveBeenCalledWith('token');
    expect(first.updateData).toHaveBeenCalledWith(expect.objectContaining({ backendCrashes: 1 }));
    expect(await types(id)).toEqual(['queued', 'started', 'queued']);
    await until(() => heartbeat.recheckBackend.mock.calls.length === 1, 'the backend re-check');

    const second = jobFor(id, 0, { backendCrashes: 1 });
    await expect(handler.handle(second, 'token', undefined)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(second.moveToWait).not.toHaveBeenCalled();
    expect(await store.get(id)).toMatchObject({ status: 'failed', error: expect.stringMatching(/backend crashed 2 times.*memory access out of bounds/) });
  });

  it('a spec error that crossed from the training process keeps its class: failed without retry', async () => {
    const handler = handlerWith(async () => {
      throw reviveError(structuredClone(serializeError(new IncompatibleSpecError('cnn on synthetic (28×28×1): normalize mean has 3 values'))));
    });
    const id = await submitted();
    await expect(handler.handle(jobFor(id), 'token', undefined)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(heartbeat.recheckBackend).not.toHaveBeenCalled();
  });

  it('stops training on a lost lock and stores nothing more: the job may be another worker\'s now', async () => {
    const handler = handlerWith(untilAborted);
    const id = await submitted();
    const job = jobFor(id);
    const lock = new AbortController();
    const run = handler.handle(job, 'token', lock.signal);
    await until(async () => (await types(id)).includes('started'), 'the started event');
    lock.abort(AbortReason.LockLost);
    await expect(run).rejects.toThrow(/lost the lock/);
    await expect(run).rejects.not.toBeInstanceOf(WaitingError);
    expect(job.moveToWait).not.toHaveBeenCalled();
    expect(await types(id)).toEqual(['queued', 'started']);
  });

  it('stops a copy whose lock another worker now holds: its events are refused, and it stores nothing more', async () => {
    const id = await submitted();
    let refused: unknown;
    const handler = handlerWith(async (_spec, opts) => {
      await opts.onEvent!(started);
      // The lock expired during a Redis outage, and another worker took the job.
      await t.redis.set(lockKey(id), 'another-workers-token');
      // The refused event rejects, so the trainer goes no further: in particular it writes no
      // checkpoint after an epoch whose event is not stored (a resume would skip that epoch).
      await Promise.resolve(opts.onEvent!({ type: 'epoch', epochs: 2, epoch: 1, trainLoss: 1, trainAccuracy: 0.5, testLoss: 1, testAccuracy: 0.5, seconds: 1, samplesPerSec: 1 })).catch((err: unknown) => {
        refused = err;
        throw err;
      });
      return { testAccuracy: 1 } as never;
    });
    await expect(handler.handle(jobFor(id), 'token', undefined)).rejects.toThrow(/lost the lock/);
    expect(refused).toMatchObject({ name: 'FencedOutError' });
    expect(await types(id)).toEqual(['queued', 'started']);
    expect((await store.get(id))!.status).toBe('running');
  });

  it('deletes the checkpoint once the record is finished (time limit, cancel), and keeps it for the next attempt (shutdown)', async () => {
    const artifacts = await mkdtemp(path.join(os.tmpdir(), 'handler-artifacts-'));
    try {
      const handler = handlerWith(untilAborted, artifacts);
      await handler.onModuleInit(); // subscribes to the cancel channel
      const withCheckpoint = async () => {
        const id = await submitted();
        await mkdir(path.join(artifacts, id, 'checkpoint'), { recursive: true });
        await writeFile(path.join(artifacts, id, 'checkpoint', 'weights.bin'), 'w');
        return id;
      };
      const hasCheckpoint = (id: string) => existsSync(path.join(artifacts, id, 'checkpoint', 'weights.bin'));

      const limited = await withCheckpoint();
      await expect(handler.handle(jobFor(limited, 0, { maxMinutes: 0.001 }), 'token', undefined)).rejects.toBeInstanceOf(UnrecoverableError);
      expect(hasCheckpoint(limited)).toBe(false);

      const cancelled = await withCheckpoint();
      const running = handler.handle(jobFor(cancelled), 'token', undefined);
      await until(async () => (await types(cancelled)).includes('started'), 'the run to start');
      await store.requestCancel(cancelled);
      await expect(running).resolves.toEqual({ outcome: 'cancelled' });
      expect(hasCheckpoint(cancelled)).toBe(false);

      const shutdown = new AbortController();
      const handedBack = await withCheckpoint();
      const run = handler.handle(jobFor(handedBack), 'token', shutdown.signal);
      await until(async () => (await types(handedBack)).includes('started'), 'the run to start');
      shutdown.abort(AbortReason.Shutdown);
      await expect(run).rejects.toBeInstanceOf(WaitingError);
      expect(hasCheckpoint(handedBack)).toBe(true);
    } finally {
      await rm(artifacts, { recursive: true, force: true });
    }
  });

  it('hands the job back on shutdown, and records cancelled on a cancel', async () => {
    const handler = handlerWith(untilAborted);

    const shutdown = new AbortController();
    const id = await submitted();
    const job = jobFor(id);
    const run = handler.handle(job, 'token', shutdown.signal);
    await until(async () => (await types(id)).includes('started'), 'the started event');
    shutdown.abort(AbortReason.Shutdown);
    await expect(run).rejects.toBeInstanceOf(WaitingError);
    expect(job.moveToWait).toHaveBeenCalledWith('token');
    expect(await types(id)).toEqual(['queued', 'started', 'queued']);

    const cancelled = await submitted();
    const running = handler.handle(jobFor(cancelled), 'token', undefined);
    await until(async () => (await types(cancelled)).includes('started'), 'the cancelled run to start');
    await handler.onModuleInit(); // subscribes to the cancel channel
    await store.requestCancel(cancelled);
    await expect(running).resolves.toEqual({ outcome: 'cancelled' });
    expect(await types(cancelled)).toEqual(['queued', 'started', 'cancelled']);
  });

  it("defers a job whose owner is at the running limit, without storing anything or training", async () => {
    let release!: () => void;
    const trainer = jest.fn(async (_spec, opts) => {
      await opts.onEvent!(started);
      await new Promise<void>((r) => (release = r));
      return { testAccuracy: 1, seconds: 1 } as TrainingResult;
    }) as unknown as Trainer['trainExperiment'];
    const handler = handlerWith(trainer);
    const [first, second] = [await submitted(), await submitted()];
    // The running-slot check counts jobs whose BullMQ lock is held.
    await t.redis.set(`${prefix}:training:${first}:lock`, 'token');
    const running = handler.handle(jobFor(first), 'token', undefined);
    await until(async () => (await types(first)).includes('started'), 'the first run to start');

    const job = jobFor(second);
    await expect(handler.handle(job, 'token', undefined)).rejects.toBeInstanceOf(DelayedError);
    expect(job.moveToDelayed).toHaveBeenCalledWith(expect.any(Number), 'token');
    expect(await types(second)).toEqual(['queued']);
    expect(trainer).toHaveBeenCalledTimes(1);

    release();
    await running;
    const again = jobFor(second);
    const next = handler.handle(again, 'token', undefined);
    await until(async () => (await types(second)).includes('started'), 'the second run to start');
    expect(again.moveToDelayed).not.toHaveBeenCalled();
    release();
    await next;
  });

  it('skips a job whose experiment was cancelled while queued, and fails one missing from the store', async () => {
    const trainer = jest.fn(async () => ({}) as TrainingResult);
    const handler = handlerWith(trainer);
    const id = await submitted();
    await store.requestCancel(id);
    await expect(handler.handle(jobFor(id), 'token', undefined)).resolves.toEqual({ outcome: 'skipped', status: 'cancelled' });
    expect(trainer).not.toHaveBeenCalled();
    await expect(handler.handle(jobFor('missing'), 'token', undefined)).rejects.toBeInstanceOf(UnrecoverableError);
  });
});
