import * as fs from 'node:fs';
import * as os from 'node:os';

/** cgroup v2's CPU bandwidth limit of this container (Docker `--cpus`, Kubernetes `limits.cpu`). */
export const CGROUP_CPU_MAX = '/sys/fs/cgroup/cpu.max';

/**
 * The cores this process may use: os.availableParallelism() (the CPUs of its affinity mask),
 * lowered to a cgroup v2 CPU quota when `cpuMaxFile` sets one ("QUOTA PERIOD" in µs, e.g.
 * "200000 100000" = 2 cores; rounded down, at least 1). "max", a missing or unreadable file
 * (no cgroup v2, or not Linux) mean no quota. Read synchronously: config is read once at start.
 */
export function availableCores(cpuMaxFile = CGROUP_CPU_MAX, parallelism = os.availableParallelism()): number {
  let text: string;
  try {
    text = fs.readFileSync(cpuMaxFile, 'utf8');
  } catch {
    return parallelism;
  }
  const [quota, period] = text.trim().split(/\s+/);
  const q = Number(quota);
  const p = Number(period);
  if (quota === 'max' || !(q > 0) || !(p > 0)) return parallelism;
  return Math.max(1, Math.min(parallelism, Math.floor(q / p)));
}

/**
 * A warning when `concurrency` jobs of `threads` training threads each would need more than
 * `cores` cores (they would then share cores and each run slower); null when they fit. The
 * native backends (tensorflow, tensorflow-gpu) ignore TRAIN_THREADS, so the warning says so.
 * Used by the worker at start and by `trainyard train` / `report --local` (concurrency 1).
 */
export function threadOversubscription(concurrency: number, threads: number, cores: number): string | null {
  if (concurrency * threads <= cores) return null;
  // One run at a time (`trainyard train`, a worker of concurrency 1): no jobs to multiply or run fewer of.
  if (concurrency === 1) {
    return (
      `TRAIN_THREADS ${threads}: more training threads than the ${cores} cores here, so they share cores and the run is slower than on ${cores}. ` +
      `On wasm/cpu set TRAIN_THREADS to ${cores} (the cores) or fewer. Ignore this on tensorflow or tensorflow-gpu, which does not use TRAIN_THREADS.`
    );
  }
  return (
    `WORKER_CONCURRENCY ${concurrency} × TRAIN_THREADS ${threads} = ${concurrency * threads} training threads on ${cores} cores: ` +
    `jobs will share cores and each run slower. On wasm/cpu set TRAIN_THREADS to ${Math.max(1, Math.floor(cores / concurrency))} ` +
    `(cores ÷ concurrency), or run fewer jobs at once. Ignore this on a tensorflow or tensorflow-gpu worker, which does not use TRAIN_THREADS.`
  );
}
