import type { WorkerHeartbeat } from './worker-heartbeat';

/**
 * The body of `GET /health`: 200 `ok`, or `degraded` (no worker seen, or one whose backend failed
 * its last check); 503 `error` (Redis unreachable).
 */
export interface HealthBody {
  status: 'ok' | 'degraded' | 'error';
  redis: { ok: boolean; latencyMs?: number; error?: string };
  /** `backend`: each worker's last heartbeat (backend, backendOk, ...), null when it published none (not a Trainyard worker, or gone). */
  workers: { count: number; names: string[]; backend?: Record<string, WorkerHeartbeat | null> };
}
