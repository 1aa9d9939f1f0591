import type { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { workerHeartbeatKey, type WorkerHeartbeat } from '@trainyard/contracts';

/** The names of the workers connected to the training queue (BullMQ's CLIENT LIST). */
export async function workerNames(queue: Queue): Promise<string[]> {
  const workers = await queue.getWorkers();
  // BullMQ names a worker's connection `<queue client name>:w:<worker name>`; unnamed ones show their address.
  return workers.map((w) => w.rawname?.split(':w:')[1] ?? w.addr ?? 'unnamed');
}

/** Each worker's heartbeat (written by the worker every few seconds, with a TTL); null when it published none. */
export async function workerHeartbeats(redis: Redis, prefix: string, names: string[]): Promise<Record<string, WorkerHeartbeat | null>> {
  if (names.length === 0) return {};
  const raw = await redis.mget(...names.map((name) => workerHeartbeatKey(prefix, name)));
  return Object.fromEntries(names.map((name, i) => [name, raw[i] ? (JSON.parse(raw[i]!) as WorkerHeartbeat) : null]));
}
