export const pct = (v: number | undefined, digits = 2) => (v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(digits)}%`);

export const num = (v: number | undefined, digits = 3) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));

export const int = (v: number | undefined) => (v === undefined ? '–' : Math.round(v).toLocaleString('en-US'));

export const rate = (v: number | undefined) => (v === undefined ? '–' : `${v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1)} img/s`);

export function duration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '–';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return `${m} min ${String(s).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export function since(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '–';
  const s = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(iso).toLocaleDateString('en-GB');
}
