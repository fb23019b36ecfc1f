import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { createMetrics } from '../../../src/metrics/index.js';
import { linkLabels } from '../../../src/metrics/link-metrics.js';
import type { LiveLink } from '../../../src/monitor/monitor-view.js';
import { buildTopology } from '../../../topology/index.js';
import { RecordedMonitor, RTT_BOUNDS_MS } from '../../helpers/recorded-monitor.js';
import { repoRoot } from '../../helpers/repo-root.js';

const NANOG76 = join(repoRoot, 'lab', 'topologies', 'nanog76.yaml');
const NOW = 1_700_000_000_000;
const ALLOWED_LABELS = new Set([
  'path_id',
  'group',
  'state',
  'le',
  'reason',
  'freshness',
  'link',
  'from',
  'to',
  'kind',
  'subject_kind',
  'id',
  'subject',
  'direction',
  'hops',
  'version',
  'node_version',
]);

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
    .filter((line) => (line.startsWith('# ') ? line.includes('pathmon_path_rtt_seconds ') : line.startsWith('pathmon_path_rtt_seconds') && line.includes(`path_id="${pathId}"`)))
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

  it("exports each path's RTT histogram in seconds, cumulative and ending at the reply count", async () => {
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
      assert.deepEqual(
        mine.filter((m) => m.value === '1').map((m) => m.labels!.state),
        [down.includes(path.record.id) ? 'DOWN' : 'UP'],
      );
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
    assert.deepEqual(
      freshness.filter((m) => m.value === '1').map((m) => m.labels!.freshness),
      ['stale'],
    );
    metrics.close();
  });

  it("exports each directed link's estimate, labelled by node names, one series per link", async () => {
    const { monitor, metrics } = await setup();
    const text = await metrics.render();
    const loss = family(text, 'pathmon_link_loss_ratio')!.metrics;
    assert.equal(loss.length, monitor.links().length);
    const names = loss.map((m) => m.labels!.link);
    assert.equal(new Set(names).size, names.length, 'one series per link label');
    const r4r6 = loss.find((m) => m.labels!.link === 'R4->R6')!;
    assert.deepEqual({ from: r4r6.labels!.from, to: r4r6.labels!.to, value: r4r6.value }, { from: 'R4', to: 'R6', value: '1' });
    assert.equal(loss.find((m) => m.labels!.link === 'R6->R4')!.value, '0');
    // The prober's access link is a group: named by its id, no direction.
    const group = loss.find((m) => m.labels!.link!.startsWith('group:'))!;
    assert.equal(group.labels!.from, undefined);
    for (const m of loss) assert.doesNotMatch(m.labels!.link!, /\|/, 'no raw link keys in labels');
    assert.equal(family(text, 'pathmon_link_confidence')!.metrics.find((m) => m.labels!.link === 'R4->R6')!.value, '0.95');
    assert.equal(family(text, 'pathmon_link_down')!.metrics.find((m) => m.labels!.link === 'R4->R6')!.value, '1');

    monitor.impairOneWay('R2', 'R5', { delayMs: 8 });
    await monitor.round(NOW + 60_000);
    await new Promise((resolve) => setTimeout(resolve, 600)); // the per-scrape snapshot lives 500 ms
    const delay = family(await metrics.render(), 'pathmon_link_added_delay_seconds')!.metrics;
    assert.equal(delay.find((m) => m.labels!.link === 'R2->R5')!.value, '0.008');
    assert.equal(delay.find((m) => m.labels!.link === 'R5->R2')!.value, '0');
    metrics.close();
  });

  it('counts open incidents by kind and subject, with one info series per open incident', async () => {
    const { monitor, metrics } = await setup();
    let text = await metrics.render();
    const open = family(text, 'pathmon_incidents_open')!.metrics;
    assert.equal(open.length, 9, 'every kind x subject kind, zeros included');
    assert.deepEqual(
      open.filter((m) => m.value !== '0').map((m) => [m.labels!.kind, m.labels!.subject_kind, m.value]),
      [['down', 'link', '1']],
    );
    const info = family(text, 'pathmon_incident_info')!.metrics;
    assert.deepEqual(
      info.map((m) => ({ ...m.labels })),
      [{ id: monitor.incidents()[0]!.id, subject: 'R4→R6', kind: 'down', direction: 'one-way' }],
    );

    monitor.impair('R3', 'R5', { lossPct: 20 });
    await monitor.round(NOW + 60_000);
    text = await metrics.render();
    const both = family(text, 'pathmon_incident_info')!.metrics.find((m) => m.labels!.subject === 'R3↔R5')!;
    assert.deepEqual([both.labels!.kind, both.labels!.direction], ['loss', 'both']);
    assert.equal(family(text, 'pathmon_incidents_open')!.metrics.find((m) => m.labels!.kind === 'loss' && m.labels!.subject_kind === 'link')!.value, '1');
    monitor.impair('R3', 'R5', {});
    await monitor.round(NOW + 120_000);
    assert.equal(family(await metrics.render(), 'pathmon_incident_info')!.metrics.length, 1, 'a resolved incident drops its series');
    metrics.close();
  });

  it('reports the cover plan, and a link that leaves the plan loses its series', async () => {
    const { monitor, metrics } = await setup();
    const plan = monitor.plan()!;
    let text = await metrics.render();
    assert.equal(family(text, 'pathmon_cover_walks')!.metrics[0]!.value, String(plan.walks));
    const links = Object.fromEntries(family(text, 'pathmon_cover_links')!.metrics.map((m) => [m.labels!.state, Number(m.value)]));
    assert.deepEqual(links, { identifiable: plan.identifiable, grouped: 2, unreachable: plan.unreachable });
    assert.equal(links.identifiable! + links.grouped! + links.unreachable!, plan.links);
    assert.equal(family(text, 'pathmon_cover_link_groups')!.metrics[0]!.value, '1');

    const all = monitor.links();
    monitor.links = () => all.filter((link) => link.label !== 'R3→R5');
    await new Promise((resolve) => setTimeout(resolve, 600));
    text = await metrics.render();
    const names = family(text, 'pathmon_link_loss_ratio')!.metrics.map((m) => m.labels!.link);
    assert.equal(names.includes('R3->R5'), false);
    assert.equal(names.includes('R5->R3'), true);
    metrics.close();
  });

  it('tells parallel links apart by their addresses, and only them', () => {
    const graph = buildTopology([
      { kind: 'node-up', node: { id: 'a1', name: 'A', kind: 'router' } },
      { kind: 'node-up', node: { id: 'b1', name: 'B', kind: 'router' } },
      { kind: 'node-up', node: { id: 'c1', name: 'C', kind: 'router' } },
    ]);
    const live = (key: string): LiveLink => ({
      subjectKey: `link:${key}`,
      linkKeys: [key],
      label: key,
      lossRatio: 0,
      addedDelayMs: 0,
      down: false,
      confidence: 0,
      support: 1,
      incidentId: null,
      atMs: NOW,
    });
    const labels = linkLabels([live('a1|b1|10.0.0.0|10.0.0.1'), live('a1|b1|10.0.1.0|10.0.1.1'), live('b1|c1|10.0.2.0|10.0.2.1')], graph).map((entry) => entry.labels);
    assert.deepEqual(labels, [
      { link: 'A->B 10.0.0.0->10.0.0.1', from: 'A', to: 'B' },
      { link: 'A->B 10.0.1.0->10.0.1.1', from: 'A', to: 'B' },
      { link: 'B->C', from: 'B', to: 'C' },
    ]);
  });
});
