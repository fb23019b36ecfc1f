import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeProbePacket } from '../../../probes/index.js';
import { probeIdentity, readTruthRecords, truthDir, truthKey, TruthRecorder, TRUTH_RECORD_BYTES } from '../../../lab/router/truth-records.js';

const probe = (sequence: number, hops = ['10.1.1.4', '10.2.0.0']) =>
  encodeProbePacket({ source: '10.2.0.0', hops, returnAddress: '10.2.0.0', sourcePort: 4000, destinationPort: 4000 }, { sessionId: 7, pathId: 2, sequence, sendTimeNs: 5n });

test('routers record what they did to each probe; the reader sums over routers and keeps each router overhead apart', () => {
  const state = mkdtempSync(join(tmpdir(), 'pathmon-truth-'));
  try {
    const r2 = new TruthRecorder(join(truthDir(state), 'R2.bin'));
    r2.refresh();
    assert.equal(r2.enabled, false, 'no truth/ folder: recording stays off');
    r2.record(probe(0), 1e6, 1.01e6);
    mkdirSync(truthDir(state));
    const r4 = new TruthRecorder(join(truthDir(state), 'R4.bin'));
    r2.refresh();
    r4.refresh();
    // R2 delays probe 0 by 1 ms (+ 20 us late) and holds it 15 us more; R4 forwards both undelayed.
    r2.record(probe(0), 1_020_000, 1_035_000);
    r4.record(probe(0).subarray(24), 0, 12_000); // one layer peeled, as R4 sees it
    r4.record(probe(1, ['10.2.0.0']).subarray(24), 0, 9_000); // the bare UDP core
    r4.record(Buffer.from('not a probe'), 0, 1);
    r2.close();
    r4.close();
    writeFileSync(join(truthDir(state), 'R4.bin'), Buffer.alloc(5), { flag: 'a' }); // a torn last record
    const truth = readTruthRecords(state);
    assert.deepEqual(truth.probes.get(truthKey(7, 2, 0)), { appliedDelayNs: 1_020_000, holdNs: 1_047_000, hops: 2 });
    assert.deepEqual(truth.probes.get(truthKey(7, 2, 1)), { appliedDelayNs: 0, holdNs: 9_000, hops: 1 });
    assert.equal(truth.probes.size, 2);
    assert.deepEqual(Array.from(truth.routerOverheadNs.get('R2')!), [15_000]);
    assert.deepEqual(Array.from(truth.routerOverheadNs.get('R4')!), [12_000, 9_000]);
    assert.equal(TRUTH_RECORD_BYTES, 32);
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
});

test('a recorder stops at its record limit and ignores packets that are not probes', () => {
  const state = mkdtempSync(join(tmpdir(), 'pathmon-truth-'));
  try {
    mkdirSync(truthDir(state));
    const recorder = new TruthRecorder(join(truthDir(state), 'R1.bin'), 3);
    recorder.refresh();
    for (let i = 0; i < 10; i++) recorder.record(probe(i), 0, 1);
    recorder.close();
    assert.equal(readTruthRecords(state).probes.size, 3);
    assert.equal(probeIdentity(Buffer.alloc(40)), undefined);
    assert.equal(probeIdentity(Buffer.alloc(0)), undefined);
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
});
