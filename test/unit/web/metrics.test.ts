import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { createMetrics } from '../../../src/metrics/index.js';
import { RecordedMonitor, RTT_BOUNDS_MS } from '../../helpers/recorded-monitor.js';
import { repoRoot } from '../../helpers/repo-root.js';

const NANOG76 = join(repoRoot, 'lab', 'topologies', 'nanog76.yaml');
const NOW = 1_700_000_000_000;
const ALLOWED_LABELS = new Set(['path_id', 'group', 'state', 'le', 'reason', 'freshness']);

async function setup() {
  const monitor = await RecordedMonitor.fromTopology(NANOG76, 'dev1', 'dev2', { nowMs: NOW, historyHours: 1, incident: false });
  let clockMs = NOW;
  const metrics = createMetrics(monitor, { clock: () => clockMs, processMetrics: false });
  return { monitor, metrics, setClock: (ms: number) => (clockMs = ms) };
}

function family(text: string, name: string) {
  return parsePrometheusTextFormat(text).find((f) => f.name === name);
}

/** One path's histogram lines with its labels removed, which is the form the parser can group. */
function pathHistogram(text: string, pathId: string) {
  const lines = text
    .split('\n')
    .filter((line) => line.startsWith('# ') ? line.includes('pathmon_path_rtt_seconds ') : line.startsWith('pathmon_path_rtt_seconds') && line.includes(`path_id="${pathId}"`))
    .map((line) => line.replace(/path_id="[^"]*",group="[^"]*",?/, '').replace('{}', ''));
  return parsePrometheusTextFormat(`${lines.join('\n')}\n`)[0]!;
}

describe('/metrics exposition', () => {
  it('parses as Prometheus text, with conventional names and bounded label sets', async () => {
    const { monitor, metrics } = await setup();
    await monitor.round(NOW + 60_000);
    const families = parsePrometheusTextFormat(await metrics.render());
    assert.ok(families.length >= 15);
    for (const f of families) {
      assert.match(f.name, /^pathmon_[a-z_]+$/);
      if (f.type === 'COUNTER') assert.match(f.name, /_total$/, f.name);
      assert.ok(f.help.length > 10, `${f.name} has help`);
      for (const m of f.metrics) for (const label of Object.keys(m.labels ?? {})) assert.ok(ALLOWED_LABELS.has(label), `${f.name} label ${label}`);
    }
    assert.equal(family(await metrics.render(), 'pathmon_path_rtt_seconds')!.type, 'HISTOGRAM');
    metrics.close();
  });

  it('exports each path\'s RTT histogram in seconds, cumulative and ending at the reply count', async () => {
    const { monitor, metrics } = await setup();
    await monitor.round(NOW + 60_000);
    monitor.impair('R2', 'R4', { delayMs: 30, lossPct: 20 });
    await monitor.round(NOW + 120_000);
    const text = await metrics.render();
    for (const path of monitor.paths()) {
      const histogram = pathHistogram(text, path.record.id).metrics[0]!;
      // Object keys put "1" first (an integer key), so order the buckets by bound.
      const bounds = Object.keys(histogram.buckets!).sort((a, b) => Number(a) - Number(b));
      assert.deepEqual(bounds, [...RTT_BOUNDS_MS.map((ms) => String(ms / 1000)), '+Inf']);
      const counts = bounds.map((bound) => Number(histogram.buckets![bound]));
      for (let i = 1; i < counts.length; i++) assert.ok(counts[i]! >= counts[i - 1]!, 'cumulative');
      assert.equal(Number(histogram.count), path.rttHistogram.count);
      assert.equal(counts.at(-1), path.rttHistogram.count);
      assert.ok(Math.abs(Number(histogram.sum) - path.rttHistogram.sumMs / 1000) < 1e-9);
    }
    // The impaired paths' replies sit above 25 ms: nothing of theirs in the 25 ms bucket from the second round.
    const impaired = monitor.pathsAcross('R2', 'R4')[0]!;
    const buckets = pathHistogram(text, impaired.record.id).metrics[0]!.buckets!;
    assert.ok(Number(buckets['+Inf']) > Number(buckets['0.025']));
    metrics.close();
  });

  it('shows state one-hot, loss as a ratio and per-path probe totals', async () => {
    const { monitor, metrics } = await setup();
    monitor.impair('R2', 'R4', { lossPct: 100 });
    await monitor.round(NOW + 60_000);
    await monitor.round(NOW + 120_000);
    const text = await metrics.render();
    const down = monitor.pathsAcross('R2', 'R4').map((path) => path.record.id);
    const states = family(text, 'pathmon_path_state')!.metrics;
    for (const path of monitor.paths()) {
      const mine = states.filter((m) => m.labels!.path_id === path.record.id);
      assert.deepEqual(mine.map((m) => m.labels!.state).sort(), ['DEGRADED', 'DOWN', 'UP']);
      assert.deepEqual(mine.filter((m) => m.value === '1').map((m) => m.labels!.state), [down.includes(path.record.id) ? 'DOWN' : 'UP']);
    }
    const loss = family(text, 'pathmon_path_loss_ratio')!.metrics;
    assert.equal(loss.find((m) => m.labels!.path_id === down[0])!.value, '1');
    const sent = family(text, 'pathmon_path_probes_sent_total')!.metrics;
    const received = family(text, 'pathmon_path_probes_received_total')!.metrics;
    assert.equal(sent.find((m) => m.labels!.path_id === down[0])!.value, '20');
    assert.equal(received.find((m) => m.labels!.path_id === down[0])!.value, '0');
    assert.equal(family(text, 'pathmon_probes_sent_total')!.metrics[0]!.value, String(monitor.counters().probesSent));
    metrics.close();
  });

  it('drops every series of a path once it is GONE', async () => {
    const { monitor, metrics } = await setup();
    await monitor.round(NOW + 60_000);
    const victim = monitor.paths()[0]!.record.id;
    assert.ok((await metrics.render()).includes(`path_id="${victim}"`));
    await monitor.makeGone(victim);
    await new Promise((resolve) => setTimeout(resolve, 600)); // the per-scrape snapshot lives 500 ms
    const text = await metrics.render();
    assert.equal(text.includes(`path_id="${victim}"`), false);
    assert.equal(family(text, 'pathmon_paths')!.metrics.find((m) => m.labels!.state === 'GONE')!.value, '1');
    metrics.close();
  });

  it('reports topology age while stale and the ExaBGP session', async () => {
    const { monitor, metrics, setClock } = await setup();
    assert.deepEqual(family(await metrics.render(), 'pathmon_exabgp_session_up')?.metrics ?? [], [], 'no sample for a file topology');
    monitor.setTopologyStatus({ spec: 'exabgp:/etc/pathmon/exabgp.conf', freshness: 'live', sessionUp: true });
    let text = await metrics.render();
    assert.equal(family(text, 'pathmon_exabgp_session_up')!.metrics[0]!.value, '1');
    assert.equal(family(text, 'pathmon_topology_age_seconds')!.metrics[0]!.value, '0');
    monitor.setTopologyStatus({ freshness: 'stale', sessionUp: false, staleSinceMs: NOW - 90_000 });
    setClock(NOW + 30_000);
    text = await metrics.render();
    assert.equal(family(text, 'pathmon_exabgp_session_up')!.metrics[0]!.value, '0');
    assert.equal(family(text, 'pathmon_topology_age_seconds')!.metrics[0]!.value, '120');
    const freshness = family(text, 'pathmon_topology_freshness')!.metrics;
    assert.deepEqual(freshness.filter((m) => m.value === '1').map((m) => m.labels!.freshness), ['stale']);
    metrics.close();
  });
});
