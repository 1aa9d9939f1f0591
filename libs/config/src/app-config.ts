import * as path from 'node:path';
import * as os from 'node:os';
import { z } from 'zod';
import { BACKEND_CHOICES, DEFAULT_PREFIX } from '@trainyard/contracts';
import { availableCores } from './available-cores';

// Read once at start-up into one typed, validated object; nothing else reads process.env.
const EnvSchema = z.object({
  REDIS_URL: z.string().url().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  TRAINYARD_HOME: z.string().optional(),
  DATA_DIR: z.string().optional(),
  ARTIFACTS_DIR: z.string().optional(),
  TF_BACKEND: z.enum(BACKEND_CHOICES).default('auto'),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
  // Data-parallel threads per training run on wasm/cpu (default: the cores available to the worker).
  TRAIN_THREADS: z.coerce.number().int().min(1).max(256).optional(),
  WORKER_NAME: z.string().optional(),
  CLASS_ROSTER: z.string().optional(),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]+$/).default(DEFAULT_PREFIX),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Class limits. Per student: queued and running jobs, API requests a minute.
  MAX_QUEUED_PER_STUDENT: z.coerce.number().int().min(1).max(100_000).default(10),
  MAX_RUNNING_PER_STUDENT: z.coerce.number().int().min(1).max(1000).default(2),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(120),
  // Per job, so that one run cannot hold a GPU for a day: epochs, and epochs × training samples.
  MAX_EPOCHS_PER_JOB: z.coerce.number().int().min(1).max(100_000).default(30),
  MAX_SAMPLE_EPOCHS_PER_JOB: z.coerce.number().int().min(1).default(1_000_000),
  // The main per-job bound: a run's estimated minutes on the fastest live worker (apps/api job-bounds).
  MAX_JOB_MINUTES: z.coerce.number().positive().max(525_600).default(60),
  // Open sockets per token, per API instance: a dashboard tab or a CLI watch uses one.
  MAX_SOCKETS_PER_TOKEN: z.coerce.number().int().min(1).max(10_000).default(20),
  // Worker SIGTERM: how long a running job may take to finish its batch and write its checkpoint (ms).
  WORKER_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(3_600_000).default(90_000),
  // The GPU image's record of its libtensorflow (deploy/Dockerfile.worker-gpu): the CUDA kernel
  // targets it was built with, in TensorFlow's build syntax, and its CUDA version. The worker
  // checks its GPU against them at start (libs/training gpu-device.ts).
  TF_CUDA_COMPUTE_CAPABILITIES: z
    .string()
    .regex(/^\s*(sm|compute)_\d{2,3}a?(\s*,\s*(sm|compute)_\d{2,3}a?)*\s*$/, 'expected sm_XY / compute_XY entries, comma-separated (e.g. sm_80,compute_90)')
    .optional(),
  TF_CUDA_VERSION: z.string().regex(/^\d+\.\d+(\.\d+)?$/, 'expected MAJOR.MINOR (e.g. 12.5)').optional(),
}).refine((e) => !e.TF_CUDA_COMPUTE_CAPABILITIES || e.TF_CUDA_VERSION, {
  path: ['TF_CUDA_VERSION'],
  message: 'required beside TF_CUDA_COMPUTE_CAPABILITIES (the CUDA that PTX comes from decides which drivers can compile it)',
});

/**
 * What a container's grace period (compose `stop_grace_period`, Kubernetes
 * `terminationGracePeriodSeconds`) must add to WORKER_SHUTDOWN_GRACE_MS (ms): after its training
 * process has stopped, the worker still stores the run's `queued` event, moves the job back to the
 * queue and closes BullMQ and Redis before it exits. Those take well under a second with Redis
 * at hand; the rest is room for a slow Redis. A worker killed before then loses the checkpoint's
 * hand-back only: its job is found stalled after its lock expires and resumes all the same.
 */
export const WORKER_STOP_MARGIN_MS = 30_000;

/**
 * Every environment variable loadConfig reads, in schema order. Deployment files are checked
 * against this list (test/deploy/manifests.e2e-spec.ts), so a variable they set that the code does
 * not read fails CI.
 */
export const CONFIG_ENV_VARS: readonly string[] = Object.keys(EnvSchema.shape);

export interface AppConfig {
  /** Undefined: start a private redis-server for local use. */
  redisUrl?: string;
  port: number;
  host: string;
  /** Project state: private Redis data, default roster. */
  home: string;
  dataDir: string;
  artifactsDir: string;
  backend: (typeof BACKEND_CHOICES)[number];
  workerConcurrency?: number;
  /**
   * Threads each training run uses on the wasm and cpu backends (TRAIN_THREADS; default: the
   * cores available to this process, availableCores(): CPUs, or fewer under a cgroup CPU quota).
   * The native backends ignore it. Size WORKER_CONCURRENCY × trainThreads ≤ cores (README).
   */
  trainThreads: number;
  workerName: string;
  rosterFile?: string;
  queuePrefix: string;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  limits: ClassLimits;
  /**
   * On worker shutdown (SIGTERM), how long a running job's training process may take to finish
   * its current batch and write its checkpoint before it is killed (ms, WORKER_SHUTDOWN_GRACE_MS,
   * default 90,000). A cancel or a lost lock kills it at once (see ForkedTrainer's stopGraceMs).
   * The container's grace period must exceed it by WORKER_STOP_MARGIN_MS.
   */
  workerShutdownGraceMs: number;
  /**
   * What the image's libtensorflow was built for (TF_CUDA_COMPUTE_CAPABILITIES, e.g.
   * `sm_60,sm_70,sm_80,sm_89,compute_90`, and TF_CUDA_VERSION, e.g. `12.5`); undefined outside
   * the GPU image. The worker logs its GPU against it at start.
   */
  libtensorflowCuda?: { computeCapabilities: string; cudaVersion: string };
}

/** What one student may use; admins are exempt (see README, "Limits"). */
export interface ClassLimits {
  /** Experiments waiting to start, per student: more answers 429 and enqueues nothing. */
  maxQueuedPerStudent: number;
  /** Jobs training at once, per student: enforced by the workers when they take a job. */
  maxRunningPerStudent: number;
  /** API requests per student per minute: more answers 429 with Retry-After. */
  rateLimitPerMinute: number;
  maxEpochsPerJob: number;
  /**
   * epochs × training samples of one job: the backstop for a run the API cannot estimate (no
   * worker has measured any model on the backends at hand); an estimated run meets maxJobMinutes.
   */
  maxSampleEpochsPerJob: number;
  /**
   * Minutes a run may be estimated to take (MAX_JOB_MINUTES, default 60): its FLOPs over the
   * throughput the workers measured, on the fastest live worker (contracts' estimateRun).
   */
  maxJobMinutes: number;
  /**
   * Open socket.io connections per token on one API instance (admins included): the next
   * handshake gets `connect_error`. Counted per instance, so behind N instances a token may hold
   * up to N × this many.
   */
  maxSocketsPerToken: number;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): AppConfig {
  // An empty variable is an unset one, as a shell's `${VAR:-}` or compose's `VAR: ${VAR:-}` pass
  // it on: it takes the default, rather than failing as an empty number or URL.
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = EnvSchema.safeParse(set);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid environment: ${lines.join('; ')}`);
  }
  const e = parsed.data;
  const home = path.resolve(cwd, e.TRAINYARD_HOME ?? '.trainyard');
  return {
    redisUrl: e.REDIS_URL,
    port: e.PORT,
    host: e.HOST,
    home,
    dataDir: path.resolve(cwd, e.DATA_DIR ?? path.join(home, 'data')),
    artifactsDir: path.resolve(cwd, e.ARTIFACTS_DIR ?? path.join(home, 'artifacts')),
    backend: e.TF_BACKEND,
    workerConcurrency: e.WORKER_CONCURRENCY,
    trainThreads: e.TRAIN_THREADS ?? availableCores(),
    workerName: e.WORKER_NAME ?? `${os.hostname()}:${process.pid}`,
    rosterFile: e.CLASS_ROSTER ? path.resolve(cwd, e.CLASS_ROSTER) : undefined,
    queuePrefix: e.QUEUE_PREFIX,
    logLevel: e.LOG_LEVEL,
    limits: {
      maxQueuedPerStudent: e.MAX_QUEUED_PER_STUDENT,
      maxRunningPerStudent: e.MAX_RUNNING_PER_STUDENT,
      rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
      maxEpochsPerJob: e.MAX_EPOCHS_PER_JOB,
      maxSampleEpochsPerJob: e.MAX_SAMPLE_EPOCHS_PER_JOB,
      maxJobMinutes: e.MAX_JOB_MINUTES,
      maxSocketsPerToken: e.MAX_SOCKETS_PER_TOKEN,
    },
    workerShutdownGraceMs: e.WORKER_SHUTDOWN_GRACE_MS,
    libtensorflowCuda: e.TF_CUDA_COMPUTE_CAPABILITIES ? { computeCapabilities: e.TF_CUDA_COMPUTE_CAPABILITIES.trim(), cudaVersion: e.TF_CUDA_VERSION! } : undefined,
  };
}
