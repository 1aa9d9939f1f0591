import { PUBLISHED, type CourseComparison, type PresetName, type TrainingResult } from '@trainyard/contracts';

export interface ReportRow {
  preset: PresetName;
  label: string;
  result?: TrainingResult;
  error?: string;
  wallSeconds?: number;
  /** How the run compares with the course's (compareToCourse of its spec and the counts it loaded): steps, and why not comparable. */
  comparison?: CourseComparison;
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

/** `yes (1000 SGD steps; course 938)`, or `no: ` and every reason (a subset, fewer SGD steps than the course, a variant, …). */
export function comparability(c: CourseComparison | undefined): string {
  if (!c) return 'no: no course experiment has this model';
  return c.comparable ? `yes (${c.steps} SGD steps; course ${c.courseSteps})` : `no: ${c.reasons.join('; ')}`;
}

/** The course's results table: measured beside published, as plain aligned text. */
export function formatResultsTable(rows: ReportRow[], dataset: string): string {
  const header = ['run', 'params', 'test accuracy', 'published', 'wall time', 'backend', 'comparable with the course'];
  const body = rows.map((r) => {
    const pub = PUBLISHED[r.preset];
    if (!r.result) return [r.label, String(pub.params), r.error ? `failed: ${r.error}` : '-', pct(pub.testAccuracy), '-', '-', '-'];
    return [
      r.label,
      String(r.result.params),
      `${pct(r.result.testAccuracy)} (${r.result.correct}/${r.result.testSamples})`,
      `${pct(pub.testAccuracy)} (${pub.note})`,
      `${(r.wallSeconds ?? r.result.seconds).toFixed(1)} s`,
      r.result.backend,
      comparability(r.comparison),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [
    `Results on ${dataset}`,
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...body.map(line),
  ].join('\n');
}
