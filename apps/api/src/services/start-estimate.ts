/**
 * When each waiting job may start, from how long the jobs before it should take: `slots` workers
 * each take the next job as they free up (BullMQ's order), starting from the running jobs'
 * remaining times. A job, running or waiting, with no duration to go by (no finished run of its
 * kind yet) leaves every later start unknown: no estimate rather than a wrong one.
 */
export function estimateStarts(
  now: number,
  slots: number,
  runningRemainingSec: (number | undefined)[],
  waiting: { id: string; seconds: number | undefined }[],
): Map<string, number | undefined> {
  const starts = new Map<string, number | undefined>();
  const free = Array.from({ length: Math.max(slots, runningRemainingSec.length, 1) }, () => now);
  let known = slots > 0;
  runningRemainingSec.forEach((remaining, i) => {
    if (remaining === undefined) known = false;
    else free[i] = now + remaining * 1000;
  });
  for (const job of waiting) {
    if (!known) {
      starts.set(job.id, undefined);
      continue;
    }
    let next = 0;
    for (let i = 1; i < free.length; i++) if (free[i] < free[next]) next = i;
    starts.set(job.id, free[next]);
    if (job.seconds === undefined) known = false;
    else free[next] += job.seconds * 1000;
  }
  return starts;
}
