import type { ExperimentEvent } from '@trainyard/contracts';

/**
 * Exponential moving average as TensorBoard smooths a scalar: s_i = w·s_(i-1) + (1−w)·y_i, divided
 * by (1 − w^(i+1)) so the first points are not pulled towards 0 (bias correction, as in Adam).
 * `weight` is 0..1 (0: the curve as is). Gaps (null) stay gaps and do not advance the average.
 */
export function ema(y: readonly (number | null | undefined)[], weight: number): (number | null)[] {
  if (!(weight > 0)) return y.map((v) => v ?? null);
  const w = Math.min(weight, 0.999);
  let last = 0;
  let n = 0;
  return y.map((v) => {
    if (v == null || !Number.isFinite(v)) return null;
    last = last * w + (1 - w) * v;
    n++;
    return last / (1 - w ** n);
  });
}

/** What an x-axis can count: fractional epochs (the curves' own x), SGD steps, or seconds of training. */
export type XMode = 'epoch' | 'step' | 'time';
export const X_LABELS: Record<XMode, string> = { epoch: 'epoch', step: 'step (batch)', time: 'seconds since start' };

/**
 * How one run's epoch positions map to steps and to time: from its `progress` and `epoch` events.
 * `x` is epochs elapsed (as the curves' x), `t` seconds since the run (last) started, both increasing.
 */
export interface RunClock {
  batches: number;
  x: number[];
  t: number[];
}

export function runClock(events: readonly ExperimentEvent[]): RunClock | undefined {
  let start: number | undefined;
  let batches = 0;
  const x: number[] = [];
  const t: number[] = [];
  for (const e of events) {
    const at = Date.parse(e.at);
    if (e.type === 'started' && start === undefined) start = at;
    const pos = e.type === 'progress' ? e.epoch - 1 + e.batch / e.batches : e.type === 'epoch' ? e.epoch : undefined;
    if (e.type === 'progress') batches = e.batches;
    if (pos === undefined || start === undefined) continue;
    // A resumed run trains a stretch again: keep time increasing with position.
    if (x.length && pos <= x[x.length - 1]) continue;
    x.push(pos);
    t.push((at - start) / 1000);
  }
  return batches > 0 ? { batches, x, t } : undefined;
}

/** An epoch position on the chosen axis: steps are epochs × batches per epoch; time is interpolated between events. */
export function toAxis(mode: XMode, clock: RunClock | undefined, epochX: number): number | null {
  if (mode === 'epoch') return epochX;
  if (!clock) return null;
  if (mode === 'step') return Math.round(epochX * clock.batches * 1000) / 1000;
  const { x, t } = clock;
  if (x.length === 0) return null;
  if (epochX <= x[0]) return t[0];
  for (let i = 1; i < x.length; i++) {
    if (epochX <= x[i]) return t[i - 1] + ((epochX - x[i - 1]) / (x[i] - x[i - 1])) * (t[i] - t[i - 1]);
  }
  return t[t.length - 1];
}

/** RFC 4180 CSV: a header row, then rows; fields with a comma, quote or line break are quoted. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  const field = (v: string | number | null | undefined) => {
    const s = v == null || (typeof v === 'number' && !Number.isFinite(v)) ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}

/** Hands a text to the browser as a file download (nothing leaves the page). */
export function downloadText(name: string, text: string, type = 'text/csv'): void {
  downloadBlob(name, new Blob([text], { type }));
}

/** Hands a blob to the browser as a file download, through a temporary object URL. */
export function downloadBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file name from a title: `Loss` → `loss.csv`. */
export const csvName = (title: string) => `${title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'data'}.csv`;
