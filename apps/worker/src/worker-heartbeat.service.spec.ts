import pino from 'pino';
import { workerHeartbeatKey, type WorkerHeartbeat } from '@trainyard/contracts';
import type { AppConfig } from '@trainyard/config';
import type { RedisClients } from '@trainyard/core';
import { deleteKeys, testPrefix, until, useTestRedis } from '@trainyard/testing';
import type { Trainer } from './trainer.port';
import { HEARTBEAT_TTL_MS, WorkerHeartbeatService } from './worker-heartbeat.service';

// The heartbeat in a real Redis, with the trainer's backend probe faked.
describe('WorkerHeartbeatService', () => {
  const t = useTestRedis();
  let prefix: string;
  let services: WorkerHeartbeatService[];
  beforeEach(() => {
    prefix = testPrefix();
    services = [];
  });
  afterEach(async () => {
    await Promise.all(services.map((s) => s.onModuleDestroy()));
    await deleteKeys(t.redis, prefix);
  });

  const start = (probe: Trainer['initBackend']) => {
    const exit = jest.fn();
    const trainer = { initBackend: jest.fn(probe), trainExperiment: jest.fn() } as unknown as Trainer;
    const config = { queuePrefix: prefix, workerName: 'w1' } as AppConfig;
    const service = new WorkerHeartbeatService(config, { commands: t.redis } as RedisClients, trainer, { backend: 'wasm', reason: 'test', passedOver: [] }, pino({ level: 'silent' }), exit);
    services.push(service);
    service.onApplicationBootstrap();
    return { service, exit, trainer };
  };
  const read = async (): Promise<WorkerHeartbeat | null> => {
    const raw = await t.redis.get(workerHeartbeatKey(prefix, 'w1'));
    return raw ? (JSON.parse(raw) as WorkerHeartbeat) : null;
  };
  it('publishes backend, backendOk, lastCheckedAt and the current job under <prefix>:workers:<name>, with a TTL', async () => {
    const { service } = start(async () => ({ backend: 'wasm', reason: 'probe', passedOver: [] }));
    const first = await until(read, 'the first heartbeat', 10_000);
    expect(first).toEqual({ backend: 'wasm', backendOk: true, lastCheckedAt: expect.any(String), currentJob: null });
    const ttl = await t.redis.pttl(workerHeartbeatKey(prefix, 'w1'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(HEARTBEAT_TTL_MS);

    service.jobStarted('exp-1');
    await until(async () => (await read())?.currentJob === 'exp-1', 'the current job in the heartbeat', 10_000);
    service.jobEnded('exp-1');
    await until(async () => (await read())?.currentJob === null, 'no current job in the heartbeat', 10_000);
  });

  it('after a backend error, probes the backend: ok goes on, a backend that cannot compute exits(1)', async () => {
    const healthy = start(async () => ({ backend: 'wasm', reason: 'probe', passedOver: [] }));
    const before = (await until(read, 'the first heartbeat', 10_000)).lastCheckedAt;
    await new Promise((r) => setTimeout(r, 5));
    await expect(healthy.service.recheckBackend()).resolves.toBe(true);
    expect(healthy.exit).not.toHaveBeenCalled();
    expect(healthy.trainer.initBackend).toHaveBeenCalledWith('wasm', expect.any(Function));
    expect(Date.parse((await read())!.lastCheckedAt)).toBeGreaterThan(Date.parse(before));
    await healthy.service.onModuleDestroy();

    const broken = start(async () => {
      throw new WebAssembly.RuntimeError('memory access out of bounds');
    });
    await expect(broken.service.recheckBackend()).resolves.toBe(false);
    expect(broken.exit).toHaveBeenCalledWith(1);
    expect(await read()).toMatchObject({ backendOk: false });
  });

  it('writes nothing once shutdown has begun: a job ending during shutdown leaves no heartbeat behind', async () => {
    const { service } = start(async () => ({ backend: 'wasm', reason: 'probe', passedOver: [] }));
    await until(read, 'the first heartbeat', 10_000);
    service.jobStarted('exp-1');
    await service.onModuleDestroy();
    expect(await read()).toBeNull();
    // The processor is still closing: the handler's `finally` reports the job's end.
    service.jobEnded('exp-1');
    // The beat runs detached, on the microtask queue: after setImmediate it has sent its SET, and
    // the same connection answers our GET after it.
    await new Promise((r) => setImmediate(r));
    expect(await read()).toBeNull();
  });
});
