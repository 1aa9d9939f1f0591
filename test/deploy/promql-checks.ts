/**
 * PromQL in deploy/prometheus and deploy/grafana checked against what the API's /metrics exports:
 * parsed with Prometheus's own grammar (@prometheus-io/lezer-promql, the parser behind
 * Prometheus's query editor), then metric names, label names, label values and the functions
 * applied to them are compared with a real scrape.
 */
import { parser } from '@prometheus-io/lezer-promql';

/** One metric family of a scrape: its type, label names, and the values each label takes. */
export interface ScrapedFamily {
  type: string;
  labels: Map<string, Set<string>>;
  /** Whether the scrape held a sample of it: a labelled metric never observed shows no labels. */
  sampled: boolean;
}

/** Labels Prometheus adds to every scraped series (target labels), and the relabelled `pod`. */
export const TARGET_LABELS = ['job', 'instance', 'pod'];

/**
 * Labels whose values the code enumerates and /metrics shows in full (every value initialised),
 * so a value outside the scrape is a typo: queue states (QUEUE_STATES) and job outcomes
 * (JOB_OUTCOMES, apps/api/src/services/metrics.service.ts).
 */
export const CLOSED_LABELS = ['state', 'outcome'];

/** Series names of a Prometheus text exposition, by name: `_bucket`, `_sum`, `_count` of a histogram have its type. */
export function scrapeFamilies(exposition: string): Map<string, ScrapedFamily> {
  const types = new Map<string, string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(name, type);
  const families = new Map<string, ScrapedFamily>();
  const family = (name: string, type: string) => {
    if (!families.has(name)) families.set(name, { type, labels: new Map(), sampled: false });
    return families.get(name)!;
  };
  for (const [name, type] of types) {
    family(name, type);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) family(name + s, type);
    if (type === 'summary') for (const s of ['_sum', '_count']) family(name + s, type);
  }
  for (const [, name, labels = ''] of exposition.matchAll(/^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{([^}]*)\})? \S+/gm)) {
    const f = families.get(name);
    if (!f) continue;
    f.sampled = true;
    for (const [, k, v] of labels.matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      if (!f.labels.has(k)) f.labels.set(k, new Set());
      f.labels.get(k)!.add(v);
    }
  }
  return families;
}

/** What a metric outside the scrape offers (Prometheus's own per-target `up`, third-party exporters). */
export interface ExternalMetric {
  type: string;
  labels: Map<string, Set<string> | undefined>;
}

// Functions that need a counter (or a histogram's _bucket/_sum/_count, themselves counters).
const COUNTER_FUNCTIONS = new Set(['rate', 'irate', 'increase', 'resets']);
// Functions that make sense only on a gauge.
const GAUGE_FUNCTIONS = new Set(['delta', 'idelta', 'deriv', 'predict_linear']);

const unquote = (s: string) => JSON.parse(s.startsWith("'") ? `"${s.slice(1, -1).replace(/"/g, '\\"')}"` : s) as string;

/**
 * Problems of one PromQL expression: syntax (Prometheus's grammar: unknown functions, unbalanced
 * parentheses and stray operators fail to parse), metric names (exported, or `external`), label
 * names in matchers and in by/without/on/ignoring (the metrics' own labels or target labels),
 * values of CLOSED_LABELS (`=`, and each alternative of a plain `a|b` regex), the `job` label of
 * `up` (a job of prometheus.yml), and counter functions on counters only.
 */
export function promqlProblems(expr: string, families: Map<string, ScrapedFamily>, external: Record<string, ExternalMetric> = {}): string[] {
  const problems: string[] = [];
  const tree = parser.parse(expr);
  const text = (n: { from: number; to: number }) => expr.slice(n.from, n.to);
  const metricsUsed: string[] = [];
  tree.iterate({
    enter(n) {
      if (n.type.isError) problems.push(`syntax error at ${n.from}: ${JSON.stringify(text(n) || expr.slice(n.from, n.from + 10))}`);
      if (n.name === 'VectorSelector') {
        const id = n.node.getChild('Identifier');
        if (id) metricsUsed.push(text(id));
      }
    },
  });
  if (problems.length) return problems;
  // A family the scrape holds no sample of (a labelled histogram nothing has observed yet) shows no
  // labels: its label names cannot be checked here.
  const labelsOf = (metric: string): Map<string, Set<string> | undefined> | undefined =>
    families.get(metric)?.sampled === false ? undefined : (families.get(metric)?.labels ?? external[metric]?.labels);
  const typeOf = (metric: string) => families.get(metric)?.type ?? external[metric]?.type;
  tree.iterate({
    enter(n) {
      if (n.name === 'VectorSelector') {
        const id = n.node.getChild('Identifier');
        const metric = id ? text(id) : '';
        const labels = labelsOf(metric);
        if (!labels) return; // unknown metric names are reported by the metric-name check
        for (const m of n.node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? []) {
          const name = text(m.getChild('LabelName')!);
          const op = text(m.getChild('MatchOp')!);
          const value = unquote(text(m.getChild('StringLiteral')!));
          if (name === '__name__') continue;
          if (!labels.has(name) && !TARGET_LABELS.includes(name)) {
            problems.push(`${metric} has no label ${name} (${[...labels.keys()].join(', ') || 'none'})`);
            continue;
          }
          const known = labels.get(name);
          if (!known || (!CLOSED_LABELS.includes(name) && !(metric in external))) continue;
          const values = op === '=' || op === '!=' ? [value] : /^[\w|-]+$/.test(value) ? value.split('|') : [];
          for (const v of values) if (!known.has(v)) problems.push(`${metric}{${name}${op}"${value}"}: ${name} is never "${v}" (${[...known].join(', ')})`);
          if (op === '=~' && values.length === 0 && ![...known].some((k) => new RegExp(`^(?:${value})$`).test(k))) problems.push(`${metric}{${name}=~"${value}"} matches no value of ${name} (${[...known].join(', ')})`);
        }
      }
      if (n.name === 'GroupingLabels') {
        if (metricsUsed.some((m) => !labelsOf(m))) return;
        const usable = new Set([...TARGET_LABELS, ...metricsUsed.flatMap((m) => [...(labelsOf(m)?.keys() ?? [])])]);
        for (const l of n.node.getChildren('LabelName')) if (!usable.has(text(l))) problems.push(`by/on label ${text(l)} is a label of none of ${metricsUsed.join(', ')}`);
      }
      if (n.name === 'FunctionCall') {
        const fn = text(n.node.getChild('FunctionIdentifier')!);
        const arg = n.node.getChild('FunctionCallBody')?.getChild('MatrixSelector')?.getChild('VectorSelector')?.getChild('Identifier');
        const type = arg ? typeOf(text(arg)) : undefined;
        if (arg && type && COUNTER_FUNCTIONS.has(fn) && !['counter', 'histogram', 'summary'].includes(type)) problems.push(`${fn}(${text(arg)}[...]): ${text(arg)} is a ${type}, ${fn} needs a counter`);
        if (arg && type && GAUGE_FUNCTIONS.has(fn) && type !== 'gauge') problems.push(`${fn}(${text(arg)}[...]): ${text(arg)} is a ${type}, ${fn} needs a gauge`);
      }
    },
  });
  return problems;
}
