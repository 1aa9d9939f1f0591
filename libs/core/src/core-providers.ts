import { BullModule } from '@nestjs/bullmq';
import type { DynamicModule, Provider } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { ExperimentStore } from '@trainyard/experiment-store';
import { FairShareScheduler, ThroughputStore, TrainingQueue } from '@trainyard/training-queue';
import { CoreModule } from './core.module';
import { APP_CONFIG, REDIS_URL, ROOT_LOGGER } from './core.tokens';
import { RedisClients } from './redis-clients';

/** The tokens only CoreModule provides: an application module that provides one of them wires its own copy. */
export const CORE_TOKENS: readonly unknown[] = [APP_CONFIG, ROOT_LOGGER, REDIS_URL, RedisClients, ExperimentStore, FairShareScheduler, ThroughputStore, TrainingQueue];

const tokenOf = (p: Provider): unknown => (typeof p === 'function' ? p : p.provide);

/** Modules whose wiring is CoreModule's: logging, and BullMQ's connection and training queue. */
const CORE_IMPORTS: readonly unknown[] = [LoggerModule, BullModule];

const moduleOf = (m: NonNullable<DynamicModule['imports']>[number]): unknown => (typeof m === 'object' && m !== null && 'module' in m ? m.module : m);

/**
 * What an application module wires that CoreModule should (for the apps' module specs): whether
 * it imports CoreModule.forRoot, the core tokens among its own providers, and the logging or
 * BullMQ modules it imports itself (by class name).
 */
export function coreWiringOf(app: DynamicModule): { importsCore: boolean; ownCoreProviders: unknown[]; ownCoreImports: string[] } {
  const imports = (app.imports ?? []).map(moduleOf);
  return {
    importsCore: imports.includes(CoreModule),
    ownCoreProviders: (app.providers ?? []).map(tokenOf).filter((token) => CORE_TOKENS.includes(token)),
    ownCoreImports: imports.filter((m) => CORE_IMPORTS.includes(m)).map((m) => (m as { name: string }).name),
  };
}
