/**
 * The kit's Grafana dashboard and provisioning files, checked the way Grafana would trip over them:
 * the JSON parses and has the dashboard model's required fields, panels sit on the 24-column grid
 * without overlapping, every panel and variable uses the provisioned datasource by uid, every query
 * parses as PromQL (promtool, through a rules file made of the queries) and names only series pathmon
 * exports or the kit records, and the panels a reader looks for are there.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createMetrics } from '../../../src/metrics/index.js';
import { RecordedMonitor } from '../../helpers/recorded-monitor.js';
import { repoRoot } from '../../helpers/repo-root.js';
import { concreteQuery, havePromtool, promtool, skipUnless } from './prometheus-tools.js';

const KIT = join(repoRoot, 'src', 'metrics', 'kit');
const NANOG76 = join(repoRoot, 'lab', 'topologies', 'nanog76.yaml');

interface Target {
  refId?: string;
  expr?: string;
  format?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; datasource?: { uid?: string }; query?: { query?: string } | string }[] };
  time: { from: string; to: string };
}

// The panel types Grafana ships (no plugin needed).
const BUILT_IN_PANELS = new Set(['stat', 'timeseries', 'state-timeline', 'heatmap', 'table', 'bargauge', 'gauge', 'text', 'row', 'status-history']);

const dashboard = JSON.parse(readFileSync(join(KIT, 'pathmon-dashboard.json'), 'utf8')) as Dashboard;
const datasources = parse(readFileSync(join(KIT, 'grafana-datasource.yml'), 'utf8')) as { apiVersion: number; datasources: { uid: string; type: string; url: string }[] };
const providers = parse(readFileSync(join(KIT, 'grafana-dashboards.yml'), 'utf8')) as { apiVersion: number; providers: { type: string; options: { path: string } }[] };
const queries = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel, target, expr: target.expr ?? '' })));

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'pathmon-grafana-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('Grafana kit', () => {
  it('provisions one Prometheus datasource and a file dashboard provider', () => {
    assert.equal(datasources.apiVersion, 1);
    assert.equal(datasources.datasources.length, 1);
    assert.equal(datasources.datasources[0]!.type, 'prometheus');
    assert.match(datasources.datasources[0]!.uid, /^[a-zA-Z0-9_-]{1,40}$/, 'a uid Grafana accepts');
    assert.match(datasources.datasources[0]!.url, /^https?:\/\//);
    assert.equal(providers.apiVersion, 1);
    assert.equal(providers.providers[0]!.type, 'file');
    assert.match(providers.providers[0]!.options.path, /^\//);
  });

  it('is a dashboard model: required fields, unique panel ids, built-in panel types, panels on the grid without overlap', () => {
    assert.equal(typeof dashboard.uid, 'string');
    assert.ok(dashboard.uid.length > 0 && dashboard.uid.length <= 40);
    assert.equal(typeof dashboard.title, 'string');
    assert.ok(Number.isInteger(dashboard.schemaVersion) && dashboard.schemaVersion >= 36, `schemaVersion ${dashboard.schemaVersion}`);
    assert.ok(dashboard.time.from && dashboard.time.to);
    assert.ok(dashboard.panels.length >= 8);
    assert.equal(new Set(dashboard.panels.map((panel) => panel.id)).size, dashboard.panels.length, 'unique panel ids');
    const cells = new Map<string, string>();
    for (const panel of dashboard.panels) {
      assert.ok(BUILT_IN_PANELS.has(panel.type), `${panel.title}: panel type ${panel.type}`);
      const { x, y, w, h } = panel.gridPos;
      assert.ok([x, y, w, h].every(Number.isInteger) && x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= 24, `${panel.title} gridPos ${JSON.stringify(panel.gridPos)}`);
      for (let col = x; col < x + w; col++) {
        for (let row = y; row < y + h; row++) {
          const other = cells.get(`${col},${row}`);
          assert.equal(other, undefined, `${panel.title} overlaps ${other}`);
          cells.set(`${col},${row}`, panel.title);
        }
      }
    }
  });

  it('uses the provisioned datasource by uid in every panel, query and variable', () => {
    const uid = datasources.datasources[0]!.uid;
    for (const panel of dashboard.panels) {
      assert.deepEqual(panel.datasource, { type: 'prometheus', uid }, panel.title);
      assert.ok((panel.targets ?? []).length > 0, `${panel.title} has queries`);
      const refIds = panel.targets!.map((target) => target.refId);
      assert.equal(new Set(refIds).size, refIds.length, `${panel.title}: unique refIds`);
      for (const target of panel.targets!) {
        assert.deepEqual(target.datasource, { type: 'prometheus', uid }, `${panel.title} ${target.refId}`);
        assert.ok((target.expr ?? '').trim().length > 0, `${panel.title} ${target.refId} has an expr`);
      }
    }
    for (const variable of dashboard.templating.list) {
      if (variable.type === 'query') assert.equal(variable.datasource?.uid, uid, `variable ${variable.name}`);
    }
  });

  it('has the panels a reader looks for: states timeline, loss, RTT heatmap, per-link view, incidents', () => {
    const using = (type: string, pattern: RegExp) => dashboard.panels.some((panel) => panel.type === type && panel.targets!.some((target) => pattern.test(target.expr ?? '')));
    assert.ok(using('state-timeline', /pathmon_path_state/), 'states timeline');
    assert.ok(using('timeseries', /pathmon_path_loss_ratio/), 'loss');
    const heatmap = dashboard.panels.find((panel) => panel.type === 'heatmap')!;
    assert.ok(
      heatmap.targets!.every((target) => target.format === 'heatmap' && /_rtt_seconds_bucket/.test(target.expr!) && /\ble\b/.test(target.expr!)),
      'heatmap from histogram buckets by le',
    );
    assert.ok(using('timeseries', /pathmon_link_loss_ratio/) && using('timeseries', /pathmon_link_added_delay_seconds/), 'per-link view');
    assert.ok(using('table', /pathmon_incident_info/), 'incidents');
    // Per-path panels put names on their series through the info join, so legends are not hashes.
    for (const { panel, expr } of queries.filter((query) => /pathmon_path_(state|loss_ratio|rtt_seconds)/.test(query.expr))) {
      assert.match(expr, /on \(path_id\) group_left \([^)]*hops[^)]*\) pathmon_path_info/, `${panel.title} joins names`);
    }
  });

  it('names only series that pathmon exports or the kit records', async () => {
    const monitor = await RecordedMonitor.fromTopology(NANOG76, 'dev1', 'dev2', { historyHours: 1 });
    const metrics = createMetrics(monitor, { processMetrics: false });
    const text = await metrics.render();
    metrics.close();
    const exported = new Set([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name, type]) => (type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name!])));
    for (const { panel, expr } of queries) {
      for (const [name] of expr.matchAll(/\bpathmon_[a-z_]+\b/g)) assert.ok(exported.has(name), `${panel.title}: ${name} is not exported`);
    }
  });

  it('has queries that parse as PromQL (promtool check rules over a rules file of the queries)', { skip: skipUnless(havePromtool, 'promtool') }, () => {
    const rules = queries.map(({ panel, target, expr }) => ({ record: `grafana:panel_${panel.id}_${target.refId}`, expr: concreteQuery(expr) }));
    rules.push(...dashboard.templating.list.map((variable) => ({ record: `grafana:variable_${variable.name}`, expr: variableSeries(variable.query) })));
    const file = join(dir, 'dashboard-queries.yml');
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules }] }, null, 2));
    const check = promtool(['check', 'rules', file]);
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, new RegExp(`SUCCESS: ${rules.length} rules found`));
    // The check can fail: one broken query is reported.
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules: [...rules, { record: 'grafana:broken', expr: 'sum by (le (pathmon_paths)' }] }] }));
    assert.notEqual(promtool(['check', 'rules', file]).status, 0);
  });
});

/** `label_values(METRIC, LABEL)` is Grafana's, not PromQL: its series selector is what Prometheus sees. */
function variableSeries(query: Dashboard['templating']['list'][number]['query']): string {
  const text = typeof query === 'string' ? query : (query?.query ?? '');
  const match = /^label_values\((.+),\s*\w+\)$/.exec(text);
  assert.ok(match, `variable query ${text}`);
  return match[1]!;
}
