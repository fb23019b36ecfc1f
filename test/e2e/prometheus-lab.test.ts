/**
 * A real Prometheus (Debian's `prometheus`) scraping a real `pathmon run` in the nanog76 lab: both run
 * inside dev1's namespace (the prober's), Prometheus scraping pathmon's /metrics on that namespace's
 * loopback, so nothing crosses into the host. What a Prometheus user checks: the target is up, a PromQL
 * join over `pathmon_path_info` names every probed path by its endpoints and hops, the kit's rules load
 * without errors, and a link the lab breaks shows up as total loss on exactly the named paths that cross
 * it. Lab, processes and temporary files are removed whatever the outcome.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, runCli, uniqueLabName } from '../helpers/cli.js';
import { repoRoot } from '../helpers/repo-root.js';
import { havePrometheus, skipUnless } from '../unit/metrics/prometheus-tools.js';
import { namespaceName } from '../../lab/lab-plan.js';

const lab = uniqueLabName();
const namespace = namespaceName(lab, 'dev1');
const KIT = join(repoRoot, 'src', 'metrics', 'kit');
const PATHMON_PORT = 19_181;
const PROMETHEUS_PORT = 19_190;
const needsRoot = process.getuid?.() !== 0 ? 'the lab needs root (network namespaces, raw sockets)' : false;
const skip = needsRoot || skipUnless(havePrometheus, 'prometheus');

interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An HTTP GET inside the lab namespace (curl there), returning the body. */
function getInNamespace(url: string): string {
  const run = spawnSync('ip', ['netns', 'exec', namespace, 'curl', '-sf', '--max-time', '5', url], { encoding: 'utf8', timeout: 10_000 });
  if (run.status !== 0) throw new Error(`GET ${url} in ${namespace}: curl exited ${run.status}: ${run.stderr}`);
  return run.stdout;
}

function query(promql: string): PromSample[] {
  const body = JSON.parse(getInNamespace(`http://127.0.0.1:${PROMETHEUS_PORT}/api/v1/query?query=${encodeURIComponent(promql)}`)) as {
    status: string;
    data: { result: PromSample[] };
  };
  assert.equal(body.status, 'success');
  return body.data.result;
}

async function waitFor<T>(what: string, check: () => T | null | undefined | false, logs: () => string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what} (last error: ${String(lastError)})\n${logs().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function stop(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

describe('a real Prometheus scraping pathmon run in the lab', { skip }, () => {
  let dir = '';
  let pathmon: ChildProcess | null = null;
  let prometheus: ChildProcess | null = null;
  let log = '';
  const logs = () => log;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pathmon-prometheus-lab-'));
    const up = runCli(['lab', 'up', 'lab/topologies/nanog76.yaml', '--name', lab], { timeoutMs: 120_000 });
    assert.equal(up.status, 0, `lab up failed: ${up.stderr}`);
    const config = join(dir, 'monitor.yaml');
    writeFileSync(
      config,
      `topology: ${join(repoRoot, 'lab/topologies/nanog76.yaml')}
prober: { node: dev1 }
probing: { intervalMs: 1500, probesPerRound: 5, probeSpacingMs: 20, timeoutMs: 500 }
localize: { enabled: false }
groups: [ { name: lab, endpoints: [dev2] } ]
`,
    );
    pathmon = spawn('ip', ['netns', 'exec', namespace, process.execPath, cliPath, 'run', '--config', config, '--data-dir', join(dir, 'data'), '--listen', `127.0.0.1:${PATHMON_PORT}`], {
      cwd: repoRoot,
      env: { ...process.env, PATHMON_WEB_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    pathmon.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    pathmon.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const prometheusConfig = {
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [join(KIT, 'pathmon-rules.yml')],
      scrape_configs: [{ job_name: 'pathmon', metrics_path: '/metrics', static_configs: [{ targets: [`127.0.0.1:${PATHMON_PORT}`] }] }],
    };
    writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(prometheusConfig, null, 2));
    prometheus = spawn(
      'ip',
      [
        'netns',
        'exec',
        namespace,
        'prometheus',
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${PROMETHEUS_PORT}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout!.on('data', (chunk: Buffer) => (log += `[prometheus] ${chunk}`));
    prometheus.stderr!.on('data', (chunk: Buffer) => (log += `[prometheus] ${chunk}`));
    await waitFor('pathmon to decide 8 paths UP', () => (log.match(/new -> UP/g) ?? []).length >= 8 || (pathmon!.exitCode !== null && assert.fail(`pathmon exited ${pathmon!.exitCode}`)), logs);
    await waitFor('three scrapes of pathmon', () => query('count_over_time(up{job="pathmon"}[1m]) >= 3').length > 0, logs);
  });

  after(async () => {
    await stop(prometheus);
    await stop(pathmon);
    runCli(['lab', 'down', '--lab', lab]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('scrapes the running monitor and names every path through pathmon_path_info', () => {
    const [up] = query('up{job="pathmon"}');
    assert.equal(up?.value[1], '1', 'the scrape target is up');
    const named = query('pathmon_path_loss_ratio * on (path_id) group_left (from, to, hops) pathmon_path_info');
    assert.equal(named.length, 8, 'one named series for each of the 8 dev1→dev2 paths');
    for (const sample of named) {
      assert.deepEqual([sample.metric.from, sample.metric.to], ['dev1', 'dev2']);
      assert.match(sample.metric.hops ?? '', /^dev1->.*->dev2$/);
    }
  });

  it("loads the kit's rules without errors", () => {
    const body = JSON.parse(getInNamespace(`http://127.0.0.1:${PROMETHEUS_PORT}/api/v1/rules`)) as {
      data: { groups: { name: string; rules: { name: string; lastError?: string }[] }[] };
    };
    assert.deepEqual(body.data.groups.map((group) => group.name).sort(), ['pathmon-alerts', 'pathmon-recording']);
    for (const rule of body.data.groups.flatMap((group) => group.rules)) assert.equal(rule.lastError ?? '', '', `${rule.name}: ${rule.lastError}`);
  });

  it('shows a link the lab takes down as total loss on exactly the named paths crossing it', async () => {
    const down = runCli(['lab', 'impair', '--lab', lab, 'R2', 'R4', '--down']);
    assert.equal(down.status, 0, down.stderr);
    const lossy = await waitFor(
      'total loss on the paths crossing R2–R4',
      () => {
        const samples = query('(pathmon_path_loss_ratio == 1) * on (path_id) group_left (hops) pathmon_path_info');
        return samples.length === 4 ? samples : null;
      },
      logs,
      60_000,
    );
    for (const sample of lossy) assert.match(sample.metric.hops ?? '', /R2->R4|R4->R2/);
    const healthy = query('(pathmon_path_loss_ratio == 0) * on (path_id) group_left (hops) pathmon_path_info');
    assert.equal(healthy.length, 4, 'the other 4 paths lose nothing');
    for (const sample of healthy) assert.doesNotMatch(sample.metric.hops ?? '', /R2->R4|R4->R2/);
  });
});
