/**
 * deploy/prometheus/alerts.yml evaluated by Prometheus's own rule engine: `promtool test rules`
 * (Debian package `prometheus`, installed by .ci/run) feeds synthetic series and checks which
 * alerts fire. Skipped, with one line saying so, where promtool is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dump as dumpYaml, load as loadYaml } from 'js-yaml';
import { DEPLOY } from './deploy-checks';

const promtool = spawnSync('promtool', ['--version']).status === 0;
// CI installs it (.ci/run), so there a missing promtool fails these tests instead of skipping them.
if (!promtool && !process.env.CI) console.log('test/deploy/alerts: promtool not found (apt-get install prometheus); alert rule tests skipped');
const describeWithPromtool = promtool || process.env.CI ? describe : describe.skip;

/** Runs `promtool test rules` on one test case against the given rules file; its output when it fails. */
function promtoolTest(rulesFile: string, test: object): { ok: boolean; output: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trainyard-alerts-'));
  try {
    const file = path.join(dir, 'test.yml');
    fs.writeFileSync(file, dumpYaml({ rule_files: [rulesFile], evaluation_interval: '1m', tests: [test] }));
    const run = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
    return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const RULES = path.join(DEPLOY, 'prometheus', 'alerts.yml');

/** The annotations of one rule in alerts.yml (promtool compares them too). */
function annotations(alert: string): Record<string, string> {
  const doc = loadYaml(fs.readFileSync(RULES, 'utf8')) as any;
  return doc.groups.flatMap((g: any) => g.rules).find((r: any) => r.alert === alert)?.annotations ?? {};
}

/** Whether TrainyardApiDown is firing 20 minutes into the given `up` series (1-minute steps). */
function apiDownTest(series: { series: string; values: string }[], firing: boolean) {
  return promtoolTest(RULES, {
    interval: '1m',
    input_series: series,
    alert_rule_test: [
      {
        eval_time: '20m',
        alertname: 'TrainyardApiDown',
        exp_alerts: firing ? [{ exp_labels: { severity: 'critical' }, exp_annotations: annotations('TrainyardApiDown') }] : [],
      },
    ],
  });
}

describeWithPromtool('deploy/prometheus/alerts.yml under promtool', () => {
  it('passes promtool check rules', () => {
    expect(execFileSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' })).toMatch(/SUCCESS/);
  });

  it('TrainyardApiDown fires when every replica vanishes from DNS discovery (no `up` series left)', () => {
    // Two replicas answer for 5 minutes, then Docker's DNS (or the pod list) has none.
    const series = [
      { series: 'up{job="trainyard-api", instance="10.0.0.2:3000"}', values: '1x5 _x20' },
      { series: 'up{job="trainyard-api", instance="10.0.0.3:3000"}', values: '1x5 _x20' },
    ];
    const run = apiDownTest(series, true);
    expect(run.output).toMatch(/SUCCESS/);
  });

  it('TrainyardApiDown fires when the replicas are discovered but none answers', () => {
    const run = apiDownTest([{ series: 'up{job="trainyard-api", instance="10.0.0.2:3000"}', values: '0x25' }], true);
    expect(run.output).toMatch(/SUCCESS/);
  });

  it('TrainyardApiDown stays quiet while one replica answers, even if another is down or gone', () => {
    const series = [
      { series: 'up{job="trainyard-api", instance="10.0.0.2:3000"}', values: '1x25' },
      { series: 'up{job="trainyard-api", instance="10.0.0.3:3000"}', values: '0x5 _x20' },
    ];
    const run = apiDownTest(series, false);
    expect(run.output).toMatch(/SUCCESS/);
  });
});
