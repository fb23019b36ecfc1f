/**
 * The engine with a sender that paces and stamps whole rounds itself (the probe-tx helper's shape):
 * its send reports can come after the replies they belong to, and a reply must still be measured
 * against the reported send time, never trusted from its own payload.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probePayload, runProbeRound, type PathAddressing, type ProbeReceiver, type ProbeSender, type RoundPlan } from '../../../probes/index.js';

const paths: PathAddressing[] = [
  { source: '10.2.0.0', hops: ['10.2.0.1', '10.1.1.0'], returnAddress: '10.2.0.0' },
  { source: '10.2.0.0', hops: ['10.2.0.1', '10.1.1.2'], returnAddress: '10.2.0.0' },
];

/** Stamps every probe at 1 ms steps, delivers its reply RTT 3 ms later at once, and reports all sends only at the end. */
function lateReportingNetwork(tamper: (slot: number, sentNs: bigint) => { reportedNs?: bigint; error?: string } = () => ({})) {
  let handler: (payload: Buffer, receivedNs: bigint) => void = () => {};
  let nowNs = 5_000_000_000n;
  const receiver: ProbeReceiver = { port: 40000, onPayload: (h) => void (handler = h), close: () => {} };
  const sender: ProbeSender = {
    send: () => assert.fail('a self-stamping sender should get the whole round'),
    close: () => {},
    async sendRound(plan: RoundPlan, onSent) {
      const reports: [number, bigint, string | undefined][] = [];
      for (let sequence = 0; sequence < plan.count; sequence++) {
        plan.paths.forEach((path, pathId) => {
          nowNs += 1_000_000n;
          path.packet.writeUInt32BE(sequence, path.sequenceAt);
          path.packet.writeBigUInt64BE(nowNs, path.sequenceAt + 4);
          const slot = pathId * plan.count + sequence;
          const { reportedNs = nowNs, error } = tamper(slot, nowNs);
          const payloadAt = path.sequenceAt - probePayload.SEQUENCE_OFFSET;
          handler(Buffer.from(path.packet.subarray(payloadAt, payloadAt + probePayload.HEADER_LENGTH)), nowNs + 3_000_000n);
          reports.push([slot, reportedNs, error]);
        });
      }
      for (const [slot, sentNs, error] of reports) onSent(slot, sentNs, error);
      return reports.filter((r) => !r[2]).length;
    },
  };
  const clock = { nowNs: () => nowNs, sleepMs: async (ms: number) => void (nowNs += BigInt(Math.round(ms * 1e6))) };
  return { sender, receiver, clock };
}

test('replies that arrive before their send report are measured against the reported send time', async () => {
  const { perPath, drops } = await runProbeRound({ ...lateReportingNetwork(), sessionId: 9 }, paths, { count: 5, intervalMs: 10, timeoutMs: 100 });
  assert.deepEqual(
    perPath.map((p) => [p.sent, p.received]),
    [
      [5, 5],
      [5, 5],
    ],
  );
  assert.equal(perPath[0]!.rttMs!.min, 3);
  assert.equal(perPath[1]!.rttMs!.max, 3);
  assert.deepEqual(drops, { malformed: 0, otherSession: 0, forged: 0 });
});

test('a reply whose send time disagrees with the report, or whose send failed, is forged, not measured', async () => {
  const network = lateReportingNetwork((slot, sentNs) => (slot === 1 ? { reportedNs: sentNs - 7n } : slot === 6 ? { error: 'ENETUNREACH' } : {}));
  const { perPath, drops } = await runProbeRound({ ...network, sessionId: 9 }, paths, { count: 5, intervalMs: 10, timeoutMs: 100 });
  assert.equal(drops.forged, 2);
  assert.equal(perPath[0]!.received, 4);
  assert.equal(perPath[1]!.received, 4);
});
