/**
 * `pathmon_path_info` and `pathmon_build_info`: the series that put names and versions on everything
 * else. Every per-path series must find its names by path_id, and the hops label must stay bounded
 * however long the path or its node names.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { createMetrics, hopsLabel, MAX_HOPS_CHARS } from '../../../src/metrics/index.js';
import { RecordedMonitor } from '../../helpers/recorded-monitor.js';
import { repoRoot } from '../../helpers/repo-root.js';

const NANOG76 = join(repoRoot, 'lab', 'topologies', 'nanog76.yaml');
const NOW = 1_700_000_000_000;

describe('pathmon_path_info', () => {
  it('names every path that has per-path series: endpoints and hops by node name', async () => {
    const monitor = await RecordedMonitor.fromTopology(NANOG76, 'dev1', 'dev2', { nowMs: NOW, historyHours: 1 });
    await monitor.round(NOW + 60_000);
    const metrics = createMetrics(monitor, { processMetrics: false });
    const families = parsePrometheusTextFormat(await metrics.render());
    metrics.close();
    const info = families.find((f) => f.name === 'pathmon_path_info')!;
    const byId = new Map(info.metrics.map((m) => [m.labels!.path_id!, m]));
    assert.equal(info.metrics.length, monitor.paths().length, 'one info series per path');
    for (const path of monitor.paths()) {
      const series = byId.get(path.record.id)!;
      assert.equal(series.value, '1');
      assert.deepEqual(
        { ...series.labels },
        {
          path_id: path.record.id,
          group: 'dev1->dev2',
          from: 'dev1',
          to: 'dev2',
          hops: path.record.names.join('->'),
        },
      );
    }
    // Every path_id on a per-path family has an info series to join.
    for (const f of families.filter((family) => family.name.startsWith('pathmon_path_') && family.name !== 'pathmon_path_info')) {
      for (const m of f.metrics) if (m.labels?.path_id) assert.ok(byId.has(m.labels.path_id), `${f.name} ${m.labels.path_id} has names`);
    }
    assert.ok(new Set(info.metrics.map((m) => m.labels!.hops)).size === info.metrics.length, 'hops tell the paths apart here');
  });

  it('bounds the hops label, keeping both ends and saying how many hops it left out', () => {
    assert.equal(hopsLabel(['dev1', 'R1', 'dev2']), 'dev1->R1->dev2');
    const names = Array.from({ length: 64 }, (_, i) => `router-${String(i).padStart(2, '0')}-in-a-long-site-name`);
    const label = hopsLabel(names);
    assert.ok(label.length <= MAX_HOPS_CHARS, `${label.length} characters`);
    assert.ok(label.startsWith(`${names[0]}->`) && label.endsWith(`->${names[63]}`), label);
    const omitted = Number(/\.\.\.\(\+(\d+)\)/.exec(label)![1]);
    const kept = label.split('->').filter((part) => !part.startsWith('...'));
    assert.equal(kept.length + omitted, names.length, 'kept and left-out hops add up to the path');
    const headLength = kept.findIndex((name, i) => name !== names[i]);
    assert.ok(headLength > 0, 'the first hops are kept');
    assert.deepEqual(kept.slice(headLength), names.slice(names.length - (kept.length - headLength)), 'the rest are the last hops');
    // One name longer than the bound on its own still gives a bounded label.
    assert.ok(hopsLabel(['a', 'x'.repeat(1000), 'b']).length <= MAX_HOPS_CHARS);
  });
});

describe('pathmon_build_info', () => {
  it('carries the package version and the Node.js version', async () => {
    const monitor = await RecordedMonitor.fromTopology(NANOG76, 'dev1', 'dev2', { nowMs: NOW, historyHours: 1 });
    const metrics = createMetrics(monitor, { processMetrics: false });
    const info = parsePrometheusTextFormat(await metrics.render()).find((f) => f.name === 'pathmon_build_info')!;
    metrics.close();
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    assert.deepEqual(
      info.metrics.map((m) => ({ labels: { ...m.labels }, value: m.value })),
      [{ labels: { version: pkg.version, node_version: process.versions.node }, value: '1' }],
    );
  });
});
