/**
 * Every metric that deploy/prometheus/alerts.yml and deploy/grafana/trainyard.json query is one a
 * real API exports, with the labels and label values it exports: an API process is started on a
 * private Redis and its /metrics scraped, as Prometheus would (with an admin token).
 */
import { loadDeployYaml, readDeploy } from './deploy-checks';
import { promqlProblems, scrapeFamilies, type ExternalMetric, type ScrapedFamily } from './promql-checks';
import { stackAuth, useStack } from '../support/service-stack';

/**
 * What the metrics Trainyard does not export offer: `up` carries the job names of prometheus.yml;
 * redis_exporter's `redis_up` has only target labels.
 */
function externalMetrics(): Record<string, ExternalMetric> {
  const jobs = new Set<string>(loadDeployYaml('prometheus/prometheus.yml').scrape_configs.map((c: any) => c.job_name));
  return {
    up: { type: 'gauge', labels: new Map([['job', jobs], ['instance', undefined]]) },
    redis_up: { type: 'gauge', labels: new Map() },
  };
}

/** Metrics the examples query that Trainyard does not export, with who does. */
const THIRD_PARTY_METRICS: Readonly<Record<string, string>> = {
  up: "Prometheus itself, per scrape target (1 = the last scrape succeeded)",
  redis_up: 'oliver006/redis_exporter (job redis in prometheus.yml)',
};

// PromQL words that are not metric names: functions, aggregations, operators, modifiers.
const PROMQL_WORDS = new Set(
  'sum min max avg count stddev stdvar topk bottomk quantile count_values group by without on ignoring group_left group_right and or unless bool offset rate irate increase delta idelta deriv histogram_quantile abs ceil floor round clamp clamp_min clamp_max absent absent_over_time avg_over_time max_over_time min_over_time sum_over_time count_over_time last_over_time time vector scalar label_replace label_join sort sort_desc predict_linear resets changes'.split(' '),
);

/** Metric names in a PromQL expression: identifiers outside strings, label matchers, ranges and grouping clauses. */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    // Numbers and durations (0.9, 1e3, 5m after offset).
    .replace(/(?<![A-Za-z0-9_:])\d[\d.]*(e[+-]?\d+|ms|s|m|h|d|w|y)?/g, ' ');
  return [...bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)].map((m) => m[0]).filter((w) => !PROMQL_WORDS.has(w));
}

/** Series names a scrape offers, from its `# TYPE` lines (a histogram has _bucket, _sum and _count). */
export function exportedSeries(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  return names;
}

const alertExprs = (doc: any): string[] => doc.groups.flatMap((g: any) => g.rules.map((r: any) => r.expr));
const dashboardExprs = (doc: any): string[] => doc.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr));

/** Names used by the expressions that are neither exported nor a known third party's. */
function unknownMetrics(exprs: string[], exported: Set<string>): string[] {
  return [...new Set(exprs.flatMap(metricNames))].filter((n) => !exported.has(n) && !(n in THIRD_PARTY_METRICS));
}

describe('deploy/prometheus and deploy/grafana name only exported metrics', () => {
  const stack = useStack();
  let exported: Set<string>;
  let families: Map<string, ScrapedFamily>;

  beforeAll(async () => {
    const { url } = await stack.startApi('metrics-api');
    const res = await fetch(`${url}/metrics`, { headers: stackAuth('ta') });
    expect(res.status).toBe(200);
    const body = await res.text();
    exported = exportedSeries(body);
    families = scrapeFamilies(body);
  }, 180_000);

  const allExprs = () => [...alertExprs(loadDeployYaml('prometheus/alerts.yml')), ...dashboardExprs(JSON.parse(readDeploy('grafana/trainyard.json')))];

  it('the scrape shows every job outcome and queue state, before any job ran (so the closed label sets are complete)', () => {
    expect([...(families.get('trainyard_job_duration_seconds_count')?.labels.get('outcome') ?? [])].sort()).toEqual(['cancelled', 'completed', 'failed']);
    expect(families.get('trainyard_queue_jobs')?.labels.get('state')).toContain('prioritized');
  });

  it('every rule and panel parses as PromQL and uses only exported label names, label values and counter functions on counters', () => {
    expect(allExprs().flatMap((e) => promqlProblems(e, families, externalMetrics()).map((p) => `${e}: ${p}`))).toEqual([]);
  });

  it('reports label typos, wrong label values, rate() on a gauge, unknown jobs and syntax errors', () => {
    const check = (e: string) => promqlProblems(e, families, externalMetrics());
    expect(check('max(trainyard_queue_jobs{state="waitng"}) > 50')).toEqual([expect.stringMatching(/state is never "waitng"/)]);
    expect(check('max(increase(trainyard_job_duration_seconds_count{outcome="error"}[30m]))')).toEqual([expect.stringMatching(/outcome is never "error"/)]);
    expect(check('max by (state) (trainyard_queue_jobs{state=~"waiting|prioritised"})')).toEqual([expect.stringMatching(/state is never "prioritised"/)]);
    expect(check('histogram_quantile(0.5, max by (lee) (rate(trainyard_job_wait_seconds_bucket[1h])))')).toEqual([expect.stringMatching(/by\/on label lee/)]);
    expect(check('sum by (stauts) (rate(trainyard_http_requests_total[5m]))')).toEqual([expect.stringMatching(/by\/on label stauts/)]);
    expect(check('sum(rate(trainyard_http_requests_total{stauts="500"}[5m]))')).toEqual([expect.stringMatching(/has no label stauts/)]);
    expect(check('up{job=~"trainyard-apii.*"} == 0')).toEqual([expect.stringMatching(/matches no value of job/)]);
    expect(check('up{job="trainyard"} == 0')).toEqual([expect.stringMatching(/job is never "trainyard"/)]);
    expect(check('rate(trainyard_queue_jobs[5m])')).toEqual([expect.stringMatching(/is a gauge, rate needs a counter/)]);
    expect(check('max(trainyard_workers) =! 0')[0]).toMatch(/syntax error/);
    expect(check('max(trainyard_workers)) == 0')[0]).toMatch(/syntax error/);
    expect(check('maxx(trainyard_workers) == 0')[0]).toMatch(/syntax error/);
  });

  it('the scrape holds the job, queue and worker metrics', () => {
    for (const name of ['trainyard_queue_jobs', 'trainyard_workers', 'trainyard_job_duration_seconds_count', 'trainyard_http_requests_total']) expect(exported).toContain(name);
  });

  it('every metric the alert rules query is exported (or a named third party)', () => {
    const exprs = alertExprs(loadDeployYaml('prometheus/alerts.yml'));
    expect(exprs.length).toBeGreaterThanOrEqual(4);
    expect(unknownMetrics(exprs, exported)).toEqual([]);
  });

  it('every metric the Grafana dashboard queries is exported', () => {
    const exprs = dashboardExprs(JSON.parse(readDeploy('grafana/trainyard.json')));
    expect(exprs.length).toBeGreaterThan(5);
    expect(unknownMetrics(exprs, exported)).toEqual([]);
  });

  it('reports a rule or panel naming a metric nobody exports', () => {
    const alerts = loadDeployYaml('prometheus/alerts.yml');
    alerts.groups[0].rules[0].expr = 'max(trainyard_queue_depth{state="waiting"}) > 50';
    expect(unknownMetrics(alertExprs(alerts), exported)).toEqual(['trainyard_queue_depth']);
    const dashboard = JSON.parse(readDeploy('grafana/trainyard.json'));
    dashboard.panels[0].targets[0].expr = 'sum by (le) (rate(trainyard_job_seconds_bucket[5m]))';
    expect(unknownMetrics(dashboardExprs(dashboard), exported)).toEqual(['trainyard_job_seconds_bucket']);
  });

  it('reads metric names out of PromQL, not label names, functions or durations', () => {
    expect(metricNames('histogram_quantile(0.9, max by (le, model) (rate(a_bucket{outcome="failed", le=~"1|2"}[1h]))) / on (pod) b_total offset 5m')).toEqual(['a_bucket', 'b_total']);
  });
});
