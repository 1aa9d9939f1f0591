import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { runDetached } from '@trainyard/config';
import { ExperimentStore } from '@trainyard/experiment-store';

const TRIM_EVERY_MS = 60 * 60 * 1000;

/**
 * Applies the store's retention rule (finished experiments are deleted `retentionDays` after they
 * finish) once at start and hourly. Idempotent, so every API instance may run it.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionService.name);
  private timer?: NodeJS.Timeout;

  constructor(private readonly store: ExperimentStore) {}

  onApplicationBootstrap() {
    const trim = () => runDetached(() => this.trim(), (err) => this.logger.warn(`Retention trim failed: ${(err as Error).message}`));
    trim();
    this.timer = setInterval(trim, TRIM_EVERY_MS).unref();
  }

  onApplicationShutdown() {
    clearInterval(this.timer);
  }

  private async trim() {
    const deleted = await this.store.trimExpired();
    if (deleted > 0) this.logger.log(`Retention: deleted ${deleted} experiments finished over ${this.store.retentionDays} days ago`);
  }
}
