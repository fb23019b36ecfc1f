/**
 * The probe-tx helper on a real raw socket (loopback only): every probe of a round leaves once, in
 * the engine's order, carrying the sequence and the send time it reported, with a UDP checksum that
 * still verifies after its in-place patching.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import raw from 'raw-socket';
import { decodeProbePacket, NativeRoundSender, ProbeTemplate } from '../../../probes/index.js';

const noCompiler = (() => {
  try {
    execFileSync(process.env.CC ?? 'cc', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'no C compiler: the engine sends from Node there';
  }
})();

test('a round leaves as stamped and reported, checksums intact', { skip: noCompiler }, async () => {
  const capture = raw.createSocket({ protocol: 47 });
  const seen: ReturnType<typeof decodeProbePacket>[] = [];
  capture.on('message', (packet) => {
    try {
      const decoded = decodeProbePacket(Buffer.from(packet));
      if (decoded.payload.sessionId === 4242) seen.push(decoded);
    } catch {
      // someone else's GRE
    }
  });
  const sender = await NativeRoundSender.start();
  try {
    const templates = [0, 1, 2].map(
      (pathId) => new ProbeTemplate({ source: '127.0.0.1', hops: ['127.0.0.1'], returnAddress: '127.0.0.1', sourcePort: 40001, destinationPort: 40001 }, { sessionId: 4242, pathId }),
    );
    const reports = new Map<number, bigint>();
    const sent = await sender.sendRound(
      { paths: templates.map((t) => ({ packet: t.packet, firstHop: '127.0.0.1', sequenceAt: t.sequenceAt, checksumAt: t.checksumAt })), count: 4, intervalMs: 2 },
      (slot, sentNs, error) => {
        assert.equal(error, undefined);
        reports.set(slot, sentNs);
      },
    );
    assert.equal(sent, 12);
    for (let i = 0; i < 100 && seen.length < 12; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(
      seen.map((d) => [d.payload.pathId, d.payload.sequence]),
      [0, 1, 2, 3].flatMap((seq) => [0, 1, 2].map((p) => [p, seq])),
    );
    for (const d of seen) {
      assert.equal(d.udpChecksumValid, true);
      assert.equal(d.payload.sendTimeNs, reports.get(d.payload.pathId * 4 + d.payload.sequence));
    }
    const times = seen.map((d) => d.payload.sendTimeNs);
    assert.ok(times[11]! - times[0]! >= 5_000_000n, 'three intervals of 2 ms apart, not one burst');
  } finally {
    sender.close();
    capture.close();
  }
});
