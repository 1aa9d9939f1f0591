import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { workerHeartbeatKey, type WorkerHeartbeat } from '@trainyard/contracts';
import { runDetached, type AppConfig } from '@trainyard/config';
import { InjectConfig, InjectRootLogger, RedisClients } from '@trainyard/core';
import type { BackendSelection } from '@trainyard/training';
import type { Trainer } from './trainer.port';
import { BACKEND_SELECTION, PROCESS_EXIT, TRAINER } from './worker.tokens';

/** How often the heartbeat is written (ms); it expires after HEARTBEAT_TTL_MS without one. */
export const HEARTBEAT_INTERVAL_MS = 5000;
export const HEARTBEAT_TTL_MS = 3 * HEARTBEAT_INTERVAL_MS;

/**
 * The worker's heartbeat in Redis (`<prefix>:workers:<name>`, WorkerHeartbeat JSON with a TTL),
 * read by the API's /health: workers have no HTTP server of their own. After a backend crash,
 * recheckBackend() runs a tiny real computation in a fresh training process; a backend that can
 * no longer compute makes the worker exit(1) so that its supervisor restarts it.
 */
@Injectable()
export class WorkerHeartbeatService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly key: string;
  private readonly redis: Redis;
  private readonly currentJobs = new Set<string>();
  private backendOk = true;
  // The start-up selection was itself a probe (ForkedTrainer.initBackend).
  private lastCheckedAt = new Date();
  private timer?: NodeJS.Timeout;
  // Set when shutdown begins: the key is deleted then, and no beat may write it back (a job that
  // ends while the processor closes, or a beat already scheduled, would leave it for HEARTBEAT_TTL_MS).
  private stopped = false;

  constructor(
    @InjectConfig() config: AppConfig,
    clients: RedisClients,
    @Inject(TRAINER) private readonly trainer: Trainer,
    @Inject(BACKEND_SELECTION) private readonly backend: BackendSelection,
    @InjectRootLogger() private readonly logger: Logger,
    @Inject(PROCESS_EXIT) private readonly exit: (code: number) => void,
  ) {
    this.redis = clients.commands;
    this.key = workerHeartbeatKey(config.queuePrefix, config.workerName);
  }

  onApplicationBootstrap(): void {
    this.beatLater();
    this.timer = setInterval(() => this.beatLater(), HEARTBEAT_INTERVAL_MS).unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.redis.del(this.key).catch(() => undefined);
  }

  jobStarted(experimentId: string): void {
    this.currentJobs.add(experimentId);
    this.beatLater();
  }

  jobEnded(experimentId: string): void {
    this.currentJobs.delete(experimentId);
    this.beatLater();
  }

  /** Probes the backend; on failure publishes backendOk: false and exits(1). Resolves true when it computes. */
  async recheckBackend(): Promise<boolean> {
    try {
      await this.trainer.initBackend(this.backend.backend, (message) => this.logger.debug(message));
      this.backendOk = true;
    } catch (err) {
      this.backendOk = false;
      this.logger.fatal({ err, backend: this.backend.backend }, 'the backend can no longer compute: exiting for a restart');
    }
    this.lastCheckedAt = new Date();
    await this.beat();
    if (!this.backendOk) this.exit(1);
    return this.backendOk;
  }

  heartbeat(): WorkerHeartbeat {
    return {
      backend: this.backend.backend,
      backendOk: this.backendOk,
      lastCheckedAt: this.lastCheckedAt.toISOString(),
      currentJob: this.currentJobs.values().next().value ?? null,
    };
  }

  private beatLater(): void {
    runDetached(() => this.beat(), (err) => this.logger.warn({ err }, 'heartbeat failed'));
  }

  private async beat(): Promise<void> {
    if (this.stopped) return;
    // A missed beat is harmless (the next one comes in HEARTBEAT_INTERVAL_MS); Redis may be away.
    await this.redis.set(this.key, JSON.stringify(this.heartbeat()), 'PX', HEARTBEAT_TTL_MS).catch((err) => this.logger.debug({ err }, 'heartbeat not written'));
  }
}
