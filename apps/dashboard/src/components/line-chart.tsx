import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface ChartSeries {
  label: string;
  color: string;
  x: number[];
  y: number[];
  /** Epoch summaries are few: draw them as points joined by a dashed line. */
  points?: boolean;
  dash?: number[];
}

interface Props {
  title: string;
  xLabel: string;
  yLabel: string;
  series: ChartSeries[];
  height?: number;
  /** Accuracy charts: fix the axis to 0..1 and show percentages. */
  percent?: boolean;
  integerX?: boolean;
  testId?: string;
}

/** uPlot draws a few thousand points per frame cheaply, so live curves just replace their data. */
export function LineChart({ title, xLabel, yLabel, series, height = 260, percent, integerX, testId }: Props) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => `${s.label}|${s.color}|${s.points ? 1 : 0}`).join(',');
  const points = series.reduce((n, s) => n + s.x.length, 0);

  useEffect(() => {
    const el = holder.current!;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: true, live: false },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false }, y: percent ? { range: [0, 1] } : {} },
      axes: [
        {
          label: xLabel,
          stroke: '#475569',
          grid: { stroke: '#e2e8f0' },
          ticks: { stroke: '#e2e8f0' },
          // Per-epoch charts: whole epochs only.
          ...(integerX ? { incrs: [1, 2, 5, 10, 20, 50, 100], values: (_u: uPlot, vals: number[]) => vals.map(String) } : {}),
        },
        {
          label: yLabel,
          stroke: '#475569',
          grid: { stroke: '#e2e8f0' },
          ticks: { stroke: '#e2e8f0' },
          size: 56,
          values: percent ? (_u, vals) => vals.map((v) => `${Math.round(v * 100)}%`) : undefined,
        },
      ],
      series: [
        { label: xLabel, value: (_u, v) => (v == null ? '–' : v.toFixed(2)) },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: s.points ? 1.5 : 2,
          dash: s.dash ?? (s.points ? [6, 4] : undefined),
          spanGaps: true,
          points: { show: s.points ?? false, size: 7, fill: s.color },
          value: (_u: uPlot, v: number | null) => (v == null ? '–' : percent ? `${(v * 100).toFixed(1)}%` : v.toFixed(4)),
        })),
      ],
    };
    const u = new uPlot(opts, joinSeries(series), el);
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuilt only when the set of series changes; new points go through setData below.
  }, [shape, height, percent, integerX, xLabel, yLabel]);

  useEffect(() => {
    plot.current?.setData(joinSeries(series));
  }, [series, points]);

  return (
    <figure class="chart" data-testid={testId} data-points={points}>
      <figcaption>{title}</figcaption>
      <div ref={holder} class="chart-canvas" />
      {points === 0 && <p class="chart-empty">No points yet: curves appear as the run trains.</p>}
    </figure>
  );
}

/** uPlot wants one shared x array: join() aligns the series, leaving gaps that spanGaps bridges. */
function joinSeries(series: ChartSeries[]): uPlot.AlignedData {
  if (series.length === 0) return [[]];
  return uPlot.join(series.map((s) => [s.x, s.y] as uPlot.AlignedData));
}
