/**
 * A real Prometheus (Debian's `prometheus`) scraping pathmon's /metrics, served by the web server over
 * the recorded monitor with a link broken: the target is up, a PromQL join over `pathmon_path_info`
 * returns series named by their endpoints and hops, the kit's rules load and raise the alerts the broken
 * link calls for, and every query of the kit's Grafana dashboard runs on the server. The server runs on
 * 127.0.0.1 with a temporary config and data directory, removed with it whatever the outcome.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWebServer, type WebServer } from '../../src/web/index.js';
import { RecordedMonitor } from '../helpers/recorded-monitor.js';
import { repoRoot } from '../helpers/repo-root.js';
import { concreteQuery, havePrometheus, skipUnless } from '../unit/metrics/prometheus-tools.js';

const NANOG76 = join(repoRoot, 'lab', 'topologies', 'nanog76.yaml');
const KIT = join(repoRoot, 'src', 'metrics', 'kit');
const WAIT_MS = 90_000;

interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

let dir: string;
let monitor: RecordedMonitor;
let server: WebServer;
let prometheus: ChildProcess | null = null;
let prometheusUrl: string;
let prometheusLog = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a value; fails naming `what` (and Prometheus's log) past WAIT_MS. */
async function until<T>(what: string, check: () => Promise<T | null | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  let last: unknown = null;
  for (;;) {
    if (prometheus?.exitCode !== null) assert.fail(`prometheus exited (${prometheus?.exitCode}) while waiting for ${what}:\n${prometheusLog}`);
    try {
      const value = await check();
      if (value !== null && value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) assert.fail(`gave up waiting for ${what} after ${WAIT_MS} ms (last error: ${String(last)}):\n${prometheusLog.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function api<T>(path: string): Promise<T> {
  const response = await fetch(`${prometheusUrl}${path}`);
  const body = (await response.json()) as { status: string; data: T; error?: string };
  assert.equal(body.status, 'success', `${path}: ${body.error}`);
  return body.data;
}

async function query(promql: string): Promise<PromSample[]> {
  const data = await api<{ resultType: string; result: PromSample[] }>(`/api/v1/query?query=${encodeURIComponent(promql)}`);
  return data.result;
}

async function stopPrometheus(): Promise<void> {
  const child = prometheus;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

describe('a real Prometheus scraping pathmon', { skip: skipUnless(havePrometheus, 'prometheus') }, () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pathmon-prometheus-'));
    monitor = await RecordedMonitor.fromTopology(NANOG76, 'dev1', 'dev2', { historyHours: 1 });
    await monitor.round();
    monitor.impair('R2', 'R4', { lossPct: 100 });
    await monitor.round(monitor.nowMs + 60_000);
    await monitor.round(monitor.nowMs + 60_000);
    server = await startWebServer(monitor, { listen: '127.0.0.1:0', log: () => undefined });
    const port = await freePort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    const config = {
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [join(KIT, 'pathmon-rules.yml')],
      scrape_configs: [{ job_name: 'pathmon', metrics_path: '/metrics', static_configs: [{ targets: [new URL(server.url).host] }] }],
    };
    writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config, null, 2));
    const child = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    prometheus = child;
    child.stdout!.on('data', (chunk: Buffer) => (prometheusLog += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (prometheusLog += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) => reject(new Error(`prometheus: ${error.message}; expected Debian's prometheus package installed`)));
    });
    await until('Prometheus to be ready', async () => ((await fetch(`${prometheusUrl}/-/ready`)).ok ? true : null));
    // Three scrapes in: rate() over a minute has samples to work with.
    await until('three scrapes of pathmon', async () => {
      const [sample] = await query('count_over_time(up{job="pathmon"}[1m]) >= 3');
      return sample ?? null;
    });
  });

  after(async () => {
    await stopPrometheus();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('scrapes /metrics without errors', async () => {
    const targets = await api<{ activeTargets: { health: string; lastError: string; labels: Record<string, string> }[] }>('/api/v1/targets');
    const pathmon = targets.activeTargets.filter((target) => target.labels.job === 'pathmon');
    assert.deepEqual(
      pathmon.map((target) => ({ health: target.health, lastError: target.lastError })),
      [{ health: 'up', lastError: '' }],
    );
    const [up] = await query('up{job="pathmon"}');
    assert.equal(up!.value[1], '1');
  });

  it('joins names onto per-path series through pathmon_path_info', async () => {
    const named = await query('pathmon_path_loss_ratio * on (path_id) group_left (from, to, hops) pathmon_path_info');
    const paths = monitor.paths();
    assert.equal(named.length, paths.length, 'one named series per path');
    for (const sample of named) {
      const path = paths.find((p) => p.record.id === sample.metric.path_id)!;
      assert.ok(path, `path ${sample.metric.path_id}`);
      assert.deepEqual(
        { from: sample.metric.from, to: sample.metric.to, hops: sample.metric.hops, group: sample.metric.group },
        { from: 'dev1', to: 'dev2', hops: path.record.names.join('->'), group: 'dev1->dev2' },
      );
    }
    // The broken link's paths are the ones losing everything, and their names say so.
    const lossy = named.filter((sample) => sample.value[1] === '1').map((sample) => sample.metric.hops!);
    assert.equal(lossy.length, monitor.pathsAcross('R2', 'R4').length);
    for (const hops of lossy) assert.match(hops, /R2->R4|R4->R2/);
  });

  it("loads the kit's rules, records named states and raises the alerts the broken link calls for", async () => {
    const rules = await api<{ groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] }>('/api/v1/rules');
    assert.deepEqual(rules.groups.map((group) => group.name).sort(), ['pathmon-alerts', 'pathmon-recording']);
    for (const rule of rules.groups.flatMap((group) => group.rules)) assert.equal(rule.lastError ?? '', '', `${rule.name}: ${rule.lastError}`);
    const down = await until('the state recording', async () => {
      const samples = await query('pathmon:path_state:code == 2');
      return samples.length > 0 ? samples : null;
    });
    assert.deepEqual(
      down.map((sample) => sample.metric.path_id).sort(),
      monitor
        .pathsAcross('R2', 'R4')
        .map((path) => path.record.id)
        .sort(),
    );
    const alerts = await until('PathmonPathDown and PathmonLinkIncidentOpen', async () => {
      const { alerts } = await api<{ alerts: { labels: Record<string, string>; state: string }[] }>('/api/v1/alerts');
      const names = new Set(alerts.map((alert) => alert.labels.alertname));
      return names.has('PathmonPathDown') && names.has('PathmonLinkIncidentOpen') ? alerts : null;
    });
    const pathDown = alerts.filter((alert) => alert.labels.alertname === 'PathmonPathDown');
    assert.equal(pathDown.length, monitor.pathsAcross('R2', 'R4').length);
    for (const alert of pathDown) {
      assert.ok(['pending', 'firing'].includes(alert.state));
      assert.deepEqual([alert.labels.from, alert.labels.to], ['dev1', 'dev2']);
      assert.match(alert.labels.hops!, /R2->R4|R4->R2/);
    }
    assert.ok(alerts.some((alert) => alert.labels.alertname === 'PathmonLinkIncidentOpen' && alert.labels.subject === 'R4→R6'));
    assert.equal(
      alerts.some((alert) => alert.labels.alertname === 'PathmonResultsUnsaved' || alert.labels.alertname === 'PathmonTopologyStale'),
      false,
    );
  });

  it('runs every query of the Grafana dashboard, with data wherever pathmon has some', async () => {
    const dashboard = JSON.parse(readFileSync(join(KIT, 'pathmon-dashboard.json'), 'utf8')) as { panels: { title: string; targets: { refId: string; expr: string }[] }[] };
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        const result = await query(concreteQuery(target.expr));
        // The recorded monitor has no result writer, so the database-path series are absent.
        if (!target.expr.includes('pathmon_results_')) assert.ok(result.length > 0, `${panel.title} ${target.refId}: no data for ${target.expr}`);
      }
    }
  });
});
