import { Inject } from '@nestjs/common';

// The injection tokens the API and the worker share (CoreModule provides them). Classes are their
// own tokens: RedisClients, ExperimentStore, FairShareScheduler, ThroughputStore, TrainingQueue; the training
// queue itself is BullMQ's `@InjectQueue(QueueName.Training)`.

/** The one `AppConfig` (from `loadConfig()` in main.ts, or built by a test). */
export const APP_CONFIG = Symbol('APP_CONFIG');
export const InjectConfig = () => Inject(APP_CONFIG);

/** The Redis URL in use: REDIS_URL, or the project's private redis-server (started if needed). */
export const REDIS_URL = Symbol('REDIS_URL');
export const InjectRedisUrl = () => Inject(REDIS_URL);

/**
 * The process's root pino logger, for structured lines (`logger.info({ ... }, 'training started')`);
 * the same instance nestjs-pino writes Nest's own messages to, so both share level, redaction and
 * base fields. Classes that log plain messages use Nest's `Logger` instead.
 */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');
export const InjectRootLogger = () => Inject(ROOT_LOGGER);
