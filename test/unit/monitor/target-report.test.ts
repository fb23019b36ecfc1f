/**
 * Targets in `pathmon report` and `pathmon history`, from a real PGlite store a monitoring session
 * wrote: a target is a row named by kind and target, with its group, state and open ticket, and its
 * history shows its rounds and transitions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { historyCommand } from '../../../src/commands/history-command.js';
import { reportCommand } from '../../../src/commands/report-command.js';
import { openStore } from '../../../src/store/index.js';
import { targetConfig, targetHarness, targetRounds } from './target-fakes.js';

async function output(run: (out: PassThrough) => Promise<number>): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  const code = await run(out);
  assert.equal(code, 0);
  return Buffer.concat(chunks).toString('utf8');
}

test('report lists each target by kind and target with its state; history shows its rounds and transitions', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pathmon-target-report-'));
  try {
    const store = await openStore(`pglite:${join(dataDir, 'db')}`);
    const h = targetHarness({
      config: targetConfig('[ { name: db, kind: tcp, targets: [db1], port: 5432 }, { name: mgmt, kind: icmp, targets: [10.3.0.1] } ]'),
      monitorStore: store,
      clockStartMs: Date.now() - 60_000,
    });
    h.resolver.names.set('db1', '10.2.0.5');
    h.network.set('10.3.0.1', 'down');
    await h.monitor.start();
    await targetRounds(h, 4);
    const mgmtId = h.monitor.paths().find((path) => path.record.names[0] === 'icmp 10.3.0.1')!.record.id;
    await h.monitor.close();

    const nowMs = h.clock.now + 1000;
    const report = await output((out) => reportCommand({ dataDir, since: '1h' }, out, nowMs));
    const dbLine = report.split('\n').find((line) => line.includes('tcp db1:5432'));
    const mgmtLine = report.split('\n').find((line) => line.includes('icmp 10.3.0.1'));
    assert.ok(dbLine && /\bdb\b/.test(dbLine) && /\bUP\b/.test(dbLine), report);
    assert.ok(mgmtLine && /\bmgmt\b/.test(mgmtLine) && /\bDOWN\b/.test(mgmtLine), report);

    const history = await output((out) => historyCommand(mgmtId, { dataDir, since: '1h', maxPoints: 100 }, out, nowMs));
    assert.match(history, /mgmt icmp 10\.3\.0\.1 \(target-[0-9a-f]{16}\)/);
    assert.match(history, /^hops 10\.3\.0\.1$/m, 'the address probed');
    assert.match(history, /new\s+DOWN\s+100 % loss for 3 rounds/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
