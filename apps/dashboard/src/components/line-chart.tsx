import { createContext } from 'preact';
import { useContext, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { csvName, downloadText, ema, toAxis, toCsv, X_LABELS, type RunClock, type XMode } from './chart-data';

export interface ChartSeries {
  label: string;
  color: string;
  x: number[];
  y: number[];
  /** Epoch summaries are few: draw them as points joined by a dashed line. */
  points?: boolean;
  dash?: number[];
  /** Maps this series' x (epochs) to steps and time; defaults to ChartClockContext's. */
  clock?: RunClock;
}

/** The clock of the run a page shows: every chart inside it can then count steps or time. */
export const ChartClockContext = createContext<RunClock | undefined>(undefined);

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

/** One curve as drawn: the raw series, or its smoothed copy drawn over the faint raw one. */
interface Drawn {
  label: string;
  stroke: string;
  width: number;
  dash?: number[];
  points: boolean;
  fill: string;
  x: number[];
  y: (number | null)[];
}

/**
 * A uPlot chart with its own toolbar: smoothing (EMA, as TensorBoard's slider), log scale (loss),
 * x-axis by epoch, step or time, and CSV export; the legend shows the values under the cursor.
 * uPlot draws a few thousand points per frame cheaply, so live curves just replace their data.
 */
export function LineChart({ title, xLabel, yLabel, series, height = 260, percent, integerX, testId }: Props) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const pageClock = useContext(ChartClockContext);
  const [smoothing, setSmoothing] = useState(0);
  const [log, setLog] = useState(false);
  const [xMode, setXMode] = useState<XMode>('epoch');
  const theme = useColorScheme();
  const points = series.reduce((n, s) => n + s.x.length, 0);
  const hasLines = series.some((s) => !s.points);
  const clockOf = (s: ChartSeries) => s.clock ?? pageClock;
  const canCount = series.length > 0 && series.every((s) => clockOf(s));
  const mode: XMode = canCount ? xMode : 'epoch';
  const smoothed = smoothing > 0 && hasLines;
  const xName = mode === 'epoch' ? xLabel : X_LABELS[mode];

  const drawn = useMemo(() => drawSeries(series, mode, smoothed ? smoothing : 0, pageClock), [series, points, mode, smoothing, smoothed, pageClock]);
  const shape = drawn.map((d) => `${d.label}|${d.stroke}|${d.points ? 1 : 0}`).join(',');

  useEffect(() => {
    const el = holder.current!;
    const css = getComputedStyle(el);
    const ink = css.getPropertyValue('--chart-axis').trim() || '#475569';
    const grid = css.getPropertyValue('--chart-grid').trim() || '#e2e8f0';
    const fmtX = (v: number | null) => (v == null ? '–' : mode === 'step' ? String(Math.round(v)) : mode === 'time' ? `${v.toFixed(1)} s` : v.toFixed(2));
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      // live: the legend shows each series' value at the cursor.
      legend: { show: true, live: true },
      cursor: { drag: { x: true, y: false } },
      scales: {
        x: { time: false },
        y: percent ? { range: [0, 1] } : log ? { distr: 3, log: 10 } : {},
      },
      axes: [
        {
          label: xName,
          stroke: ink,
          grid: { stroke: grid },
          ticks: { stroke: grid },
          // Per-epoch charts: whole epochs only.
          ...(integerX && mode === 'epoch' ? { incrs: [1, 2, 5, 10, 20, 50, 100], values: (_u: uPlot, vals: number[]) => vals.map(String) } : {}),
        },
        {
          label: log ? `${yLabel} (log)` : yLabel,
          stroke: ink,
          grid: { stroke: grid },
          ticks: { stroke: grid },
          size: 56,
          values: percent ? (_u, vals) => vals.map((v) => `${Math.round(v * 100)}%`) : undefined,
        },
      ],
      series: [
        { label: xName, value: (_u, v) => fmtX(v) },
        ...drawn.map((d) => ({
          label: d.label,
          stroke: d.stroke,
          width: d.width,
          dash: d.dash,
          spanGaps: true,
          points: { show: d.points, size: 7, fill: d.fill },
          value: (_u: uPlot, v: number | null) => (v == null ? '–' : percent ? `${(v * 100).toFixed(1)}%` : v.toFixed(4)),
        })),
      ],
    };
    const u = new uPlot(opts, joinSeries(drawn), el);
    plot.current = u;
    // What uPlot was given, for tests and debugging: its axes are drawn on the canvas, not in the DOM.
    el.dataset.axisColor = ink;
    el.dataset.yScale = u.scales.y.distr === 3 ? 'log' : 'linear';
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuilt only when what is drawn changes shape (or the axes do); new points go through setData below.
  }, [shape, height, percent, integerX, xName, yLabel, log, theme, mode]);

  useEffect(() => {
    plot.current?.setData(joinSeries(drawn));
  }, [drawn]);

  const exportCsv = () => {
    const raw = series.map((s) => drawSeries([s], mode, 0, pageClock)[0]);
    const [x, ...ys] = joinSeries(raw);
    downloadText(csvName(title), toCsv([xName, ...raw.map((d) => d.label)], (x as number[]).map((v, i) => [v, ...ys.map((y) => y[i])])));
  };

  const id = testId ?? csvName(title).replace(/\.csv$/, '');
  return (
    <figure class="chart" data-testid={testId} data-points={points} data-smoothing={smoothed ? smoothing : 0} data-log={log ? 1 : 0} data-x={mode}>
      <figcaption>
        <span class="chart-title">{title}</span>
        <span class="chart-tools">
          {hasLines && (
            <label title="Exponential moving average of each line; the raw curve stays faint behind it">
              smooth
              <input type="range" min={0} max={0.99} step={0.01} value={smoothing} aria-label={`${title}: smoothing`} data-testid={`${id}-smoothing`} onInput={(e) => setSmoothing(Number(e.currentTarget.value))} />
              <output>{smoothing.toFixed(2)}</output>
            </label>
          )}
          {!percent && (
            <label>
              <input type="checkbox" checked={log} onChange={(e) => setLog(e.currentTarget.checked)} data-testid={`${id}-log`} /> log
            </label>
          )}
          {canCount && (
            <select aria-label={`${title}: x-axis`} value={mode} onChange={(e) => setXMode(e.currentTarget.value as XMode)} data-testid={`${id}-x`}>
              <option value="epoch">by epoch</option>
              <option value="step">by step</option>
              <option value="time">by time</option>
            </select>
          )}
          <button type="button" class="small" onClick={exportCsv} disabled={points === 0} data-testid={`${id}-csv`}>
            CSV
          </button>
        </span>
      </figcaption>
      <div ref={holder} class="chart-canvas" />
      {points === 0 && <p class="chart-empty">No points yet: curves appear as the run trains.</p>}
    </figure>
  );
}

/** The series on the chosen x-axis; with smoothing, each line's raw curve faint and its EMA over it. */
function drawSeries(series: ChartSeries[], mode: XMode, smoothing: number, pageClock: RunClock | undefined): Drawn[] {
  return series.flatMap((s) => {
    const clock = s.clock ?? pageClock;
    const x: number[] = [];
    const y: number[] = [];
    s.x.forEach((v, i) => {
      const at = toAxis(mode, clock, v);
      if (at !== null) {
        x.push(at);
        y.push(s.y[i]);
      }
    });
    const raw: Drawn = { label: s.label, stroke: s.color, width: s.points ? 1.5 : 2, dash: s.dash ?? (s.points ? [6, 4] : undefined), points: s.points ?? false, fill: s.color, x, y };
    if (!(smoothing > 0) || s.points) return [raw];
    return [
      { ...raw, label: `${s.label} (raw)`, stroke: faint(s.color), width: 1 },
      { ...raw, label: `${s.label} (smoothed)`, y: ema(y, smoothing) },
    ];
  });
}

/** A #rrggbb colour at a third of its opacity (8-digit hex); other notations as they are. */
const faint = (color: string) => (/^#[0-9a-f]{6}$/i.test(color) ? `${color}55` : color);

/** uPlot wants one shared x array: join() aligns the series, leaving gaps that spanGaps bridges. */
function joinSeries(series: { x: number[]; y: (number | null)[] }[]): uPlot.AlignedData {
  if (series.length === 0) return [[]];
  return uPlot.join(series.map((s) => [s.x, s.y] as uPlot.AlignedData));
}

/** 'dark' or 'light', following prefers-color-scheme as it changes, so charts redraw in the page's colours. */
function useColorScheme(): 'dark' | 'light' {
  const query = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined;
  const [dark, setDark] = useState(query?.matches ?? false);
  useEffect(() => {
    if (!query) return;
    const onChange = (e: MediaQueryListEvent) => setDark(e.matches);
    query.addEventListener('change', onChange);
    return () => query.removeEventListener('change', onChange);
  }, []);
  return dark ? 'dark' : 'light';
}
