/**
 * `promtool check metrics` over the whole /metrics text, process series included: what a Prometheus
 * owner runs before trusting an exporter. prom-client's own defaults fail it (gauges named `_total`),
 * which the first test shows, so the second proves the exposition is clean for a reason.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createMetrics } from '../../../src/metrics/index.js';
import { DROPPED_PROCESS_METRICS } from '../../../src/metrics/process-metrics.js';
import { RecordedMonitor } from '../../helpers/recorded-monitor.js';
import { repoRoot } from '../../helpers/repo-root.js';
import { havePromtool, promtool, skipUnless } from './prometheus-tools.js';

const NANOG76 = join(repoRoot, 'lab', 'topologies', 'nanog76.yaml');
const NOW = 1_700_000_000_000;

describe('promtool check metrics', { skip: skipUnless(havePromtool, 'promtool') }, () => {
  it("rejects prom-client's default process series as they come", async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const check = promtool(['check', 'metrics'], await registry.metrics());
    assert.notEqual(check.status, 0);
    for (const name of DROPPED_PROCESS_METRICS) assert.match(check.stderr, new RegExp(`${name} non-counter metrics should not have "_total" suffix`));
  });

  for (const pathHistograms of [true, false]) {
    it(`accepts pathmon's exposition with process series, pathHistograms ${pathHistograms}`, async () => {
      const monitor = await RecordedMonitor.fromTopology(NANOG76, 'dev1', 'dev2', { nowMs: NOW, historyHours: 1 });
      await monitor.round(NOW + 60_000);
      monitor.impair('R2', 'R4', { lossPct: 100 });
      await monitor.round(NOW + 120_000);
      const metrics = createMetrics(monitor, { pathHistograms });
      const text = await metrics.render();
      metrics.close();
      // Every kind of series is there to be checked: per path, per group, per link, incidents, process.
      for (const name of [
        'pathmon_path_info',
        'pathmon_path_loss_ratio',
        'pathmon_group_rtt_seconds_bucket',
        'pathmon_link_loss_ratio',
        'pathmon_incident_info',
        'pathmon_build_info',
        'nodejs_active_handles',
        'process_cpu_seconds_total',
      ]) {
        assert.match(text, new RegExp(`^${name}[{ ]`, 'm'), name);
      }
      assert.equal(text.includes('pathmon_path_rtt_seconds_bucket'), pathHistograms);
      const check = promtool(['check', 'metrics'], text);
      assert.deepEqual({ status: check.status, problems: check.stderr + check.stdout }, { status: 0, problems: '' });
    });
  }
});
