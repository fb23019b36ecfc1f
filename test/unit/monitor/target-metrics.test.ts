/**
 * Targets on /metrics: every per-path series covers them, `pathmon_path_info` names them from the
 * prober to the target as written, `pathmon_target_info` carries the probe kind, and the exposition
 * still passes `promtool check metrics`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMetrics } from '../../../src/metrics/index.js';
import { havePromtool, promtool } from '../metrics/prometheus-tools.js';
import { targetConfig, targetHarness, targetRounds } from './target-fakes.js';

test('targets have per-path series, a path_info naming them, a target_info with their kind, and pass promtool', async () => {
  const h = targetHarness({ config: targetConfig('[ { name: db, kind: tcp, targets: [db1, 10.2.0.9], port: 5432 }, { name: mgmt, kind: icmp, targets: [10.3.0.1] } ]') });
  h.network.set('10.2.0.9', { refusedRttMs: 0.3 });
  await h.monitor.start();
  await targetRounds(h, 3);
  const metrics = createMetrics(h.monitor, { processMetrics: false });
  const text = await metrics.render();
  metrics.close();
  const ids = new Map(h.monitor.paths().map((path) => [path.record.names.join(' '), path.record.id]));
  const db1 = ids.get('tcp db1:5432')!;
  const closed = ids.get('tcp 10.2.0.9:5432')!;
  const mgmt = ids.get('icmp 10.3.0.1')!;
  assert.match(text, new RegExp(`^pathmon_path_info\\{path_id="${db1}",group="db",from="dev1",to="db1",hops="tcp db1:5432"\\} 1$`, 'm'));
  assert.match(text, new RegExp(`^pathmon_target_info\\{path_id="${db1}",group="db",kind="tcp",target="db1",port="5432"\\} 1$`, 'm'));
  assert.match(text, new RegExp(`^pathmon_target_info\\{path_id="${mgmt}",group="mgmt",kind="icmp",target="10.3.0.1",port=""\\} 1$`, 'm'));
  assert.match(text, new RegExp(`^pathmon_path_loss_ratio\\{path_id="${mgmt}",group="mgmt"\\} 0$`, 'm'));
  assert.match(text, new RegExp(`^pathmon_path_state\\{path_id="${db1}",group="db",state="DOWN"\\} 1$`, 'm'), 'db1 never resolved');
  assert.match(text, new RegExp(`^pathmon_path_state\\{path_id="${mgmt}",group="mgmt",state="UP"\\} 1$`, 'm'));
  assert.match(text, new RegExp(`^pathmon_target_refused_ratio\\{path_id="${closed}",group="db"\\} 1$`, 'm'));
  assert.match(text, new RegExp(`^pathmon_target_unresolved\\{path_id="${db1}",group="db"\\} 1$`, 'm'), 'db1 was never given an address');
  assert.doesNotMatch(text, /pathmon_target_info\{[^}]*group="lab"/, 'paths have no target_info');
  if (havePromtool) {
    const check = promtool(['check', 'metrics'], text);
    assert.equal(check.status, 0, check.stderr);
  }
});
