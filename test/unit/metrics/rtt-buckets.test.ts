/**
 * RTT buckets as configured (`metrics.rttBucketsMs`, `metrics.pathHistograms`): exported exactly where
 * the monitor counts, never interpolated; the per-path histogram can be dropped while the per-group one
 * carries on; and the per-group counts never go down, because Prometheus would read that as a restart.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { defaultMetrics } from '../../../src/config/monitor-config-schema.js';
import { createMetrics } from '../../../src/metrics/index.js';
import { GroupRttTotals } from '../../../src/metrics/group-rtt.js';
import type { LivePath } from '../../../src/monitor/monitor-view.js';
import { RecordedMonitor, RTT_BOUNDS_MS } from '../../helpers/recorded-monitor.js';
import { repoRoot } from '../../helpers/repo-root.js';

const NANOG76 = join(repoRoot, 'lab', 'topologies', 'nanog76.yaml');
const NOW = 1_700_000_000_000;

async function monitorWithRounds() {
  const monitor = await RecordedMonitor.fromTopology(NANOG76, 'dev1', 'dev2', { nowMs: NOW, historyHours: 1 });
  await monitor.round(NOW + 60_000);
  monitor.impair('R2', 'R4', { delayMs: 30 });
  await monitor.round(NOW + 120_000);
  return monitor;
}

/** `le` bounds in seconds, ascending, +Inf last, of the first series of a histogram family. */
function bucketBounds(text: string, family: string): string[] {
  const les = text
    .split('\n')
    .filter((line) => line.startsWith(`${family}_bucket{`))
    .map((line) => /le="([^"]+)"/.exec(line)![1]!);
  return [...new Set(les)];
}

/** One histogram series of a family, read from the text (the parser drops a histogram's labels). */
function histogram(text: string, family: string, labels: string): { buckets: Map<string, number>; count: number; labelSets: Set<string> } {
  const buckets = new Map<string, number>();
  const labelSets = new Set<string>();
  let count = NaN;
  for (const line of text.split('\n')) {
    const match = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || !match[1]!.startsWith(family)) continue;
    const [, name, labelText, value] = match;
    labelSets.add(labelText!.replace(/,?le="[^"]*"/, ''));
    if (!labelText!.includes(labels)) continue;
    if (name === `${family}_bucket`) buckets.set(/le="([^"]+)"/.exec(labelText!)![1]!, Number(value));
    if (name === `${family}_count`) count = Number(value);
  }
  return { buckets, count, labelSets };
}

/** A path whose histogram (bounds 1, 10 and 100 ms) the test sets. */
function pathWith(id: string, group: string, counts: number[], sumMs: number): LivePath {
  const bounds = [1, 10, 100];
  return {
    record: { id, group, fromNode: 'a', toNode: 'b', names: ['a', 'b'], hops: [], hopNames: [], linkKeys: [], firstSeenMs: 0, goneAtMs: null },
    state: 'UP',
    stateSinceMs: 0,
    thresholds: { delayMs: 10, lossPct: 5 },
    lastRound: null,
    rttHistogram: { upperBoundsMs: bounds, cumulativeCounts: counts, sumMs, count: counts.at(-1)! },
  };
}

describe('RTT buckets', () => {
  it('defaults to bounds from 10 µs to 1 s', () => {
    assert.equal(defaultMetrics.rttBucketsMs[0], 0.01);
    assert.equal(defaultMetrics.rttBucketsMs.at(-1), 1000);
    assert.equal(defaultMetrics.pathHistograms, true);
  });

  it('exports the configured bounds the monitor counts at, with its exact counts, and no others', async () => {
    const monitor = await monitorWithRounds();
    // 0.3 ms and 7 ms are not bounds the monitor counts at: left out, not guessed.
    const metrics = createMetrics(monitor, { processMetrics: false, rttBucketsMs: [0.25, 0.3, 1, 7, 25, 1000] });
    const text = await metrics.render();
    metrics.close();
    assert.deepEqual(bucketBounds(text, 'pathmon_path_rtt_seconds'), ['0.00025', '0.001', '0.025', '1', '+Inf']);
    const families = parsePrometheusTextFormat(text);
    const lines = text.split('\n');
    for (const path of monitor.paths()) {
      const histogram = path.rttHistogram;
      for (const [le, boundMs] of [
        ['0.001', 1],
        ['0.025', 25],
      ] as const) {
        const line = lines.find((l) => l.startsWith('pathmon_path_rtt_seconds_bucket{') && l.includes(`path_id="${path.record.id}"`) && l.includes(`le="${le}"`))!;
        assert.equal(Number(line.split(' ').at(-1)), histogram.cumulativeCounts[RTT_BOUNDS_MS.indexOf(boundMs)], `${path.record.id} le=${le}`);
      }
    }
    assert.ok(families.some((f) => f.name === 'pathmon_group_rtt_seconds'));
    assert.deepEqual(bucketBounds(text, 'pathmon_group_rtt_seconds'), ['0.00025', '0.001', '0.025', '1', '+Inf']);
  });

  it('exports every default bound the monitor counts at (the recorded monitor counts from 0.1 ms)', async () => {
    const monitor = await monitorWithRounds();
    const metrics = createMetrics(monitor, { processMetrics: false });
    const text = await metrics.render();
    metrics.close();
    const expected = defaultMetrics.rttBucketsMs.filter((ms) => RTT_BOUNDS_MS.includes(ms)).map((ms) => String(ms / 1000));
    assert.deepEqual(bucketBounds(text, 'pathmon_path_rtt_seconds'), [...expected, '+Inf']);
  });

  it('pathHistograms: false drops the per-path histogram and leaves a handful of series per path', async () => {
    const monitor = await monitorWithRounds();
    const metrics = createMetrics(monitor, { processMetrics: false, pathHistograms: false });
    const text = await metrics.render();
    metrics.close();
    assert.equal(text.includes('pathmon_path_rtt_seconds'), false);
    const paths = monitor.paths();
    for (const path of paths) {
      const series = text.split('\n').filter((line) => !line.startsWith('#') && line.includes(`path_id="${path.record.id}"`));
      assert.ok(series.length <= 9, `${series.length} series for ${path.record.id}`);
    }
    // The group histogram holds every path's replies.
    const group = histogram(text, 'pathmon_group_rtt_seconds', 'group="dev1->dev2"');
    assert.deepEqual([...group.labelSets], ['group="dev1->dev2"'], 'one histogram, for the one group');
    assert.equal(
      group.count,
      paths.reduce((sum, path) => sum + path.rttHistogram.count, 0),
    );
    assert.equal(group.buckets.get('+Inf'), group.count);
    const impairedReplies = monitor.pathsAcross('R2', 'R4').length * 10;
    assert.ok(group.buckets.get('+Inf')! - group.buckets.get('0.025')! >= impairedReplies, 'the 30 ms replies sit above 25 ms');
  });
});

describe('per-group RTT totals', () => {
  it('grow with the paths, keep what a path that left had added, and count a restarted path from zero', () => {
    const totals = new GroupRttTotals();
    const a = pathWith('a', 'g', [1, 3, 4], 20);
    const b = pathWith('b', 'g', [0, 2, 2], 10);
    totals.update([a, b]);
    const g = () => totals.histograms().get('g')!;
    assert.deepEqual([...g().cumulativeCounts, g().count, g().sumMs], [1, 5, 6, 6, 30]);

    a.rttHistogram = { ...a.rttHistogram, cumulativeCounts: [2, 5, 6], count: 6, sumMs: 35 };
    totals.update([a, b]);
    assert.deepEqual([...g().cumulativeCounts, g().count, g().sumMs], [2, 7, 8, 8, 45]);

    // b leaves the view: the group keeps its replies.
    totals.update([a]);
    assert.deepEqual([...g().cumulativeCounts, g().count], [2, 7, 8, 8]);

    // b comes back with a fresh histogram: all of it is new.
    totals.update([a, pathWith('b', 'g', [1, 1, 1], 0.5)]);
    assert.deepEqual([...g().cumulativeCounts, g().count], [3, 8, 9, 9]);

    // a restarts (its count went down): its new count is growth, nothing is taken away.
    a.rttHistogram = { ...a.rttHistogram, cumulativeCounts: [0, 1, 1], count: 1, sumMs: 9 };
    totals.update([a, pathWith('b', 'g', [1, 1, 1], 0.5)]);
    assert.deepEqual([...g().cumulativeCounts, g().count], [3, 9, 10, 10]);
  });
});
