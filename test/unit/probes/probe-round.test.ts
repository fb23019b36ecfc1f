import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probePayload, runProbeRound, type PathAddressing } from '../../../probes/index.js';
import { SimulatedNetwork } from '../../helpers/simulated-network.js';

const paths: PathAddressing[] = [
  { source: '10.2.0.0', hops: ['10.2.0.1', '10.1.1.0'], returnAddress: '10.2.0.0' },
  { source: '10.2.0.0', hops: ['10.2.0.1', '10.1.1.2'], returnAddress: '10.2.0.0' },
  { source: '10.2.0.0', hops: ['10.2.0.1', '10.1.1.2', '10.1.1.10'], returnAddress: '10.2.0.0' },
  { source: '10.2.0.0', hops: ['10.2.0.1', '10.1.1.0', '10.1.1.4'], returnAddress: '10.2.0.0' },
];
const options = { count: 20, intervalMs: 10, timeoutMs: 100 };

test('each path gets its own RTT, loss and jitter', async () => {
  const network = new SimulatedNetwork((pathId, sequence) => {
    if (pathId === 0) return 5;
    if (pathId === 1) return sequence % 2 === 0 ? 7 : 9; // alternating: jitter 2 ms
    if (pathId === 2) return sequence < 5 ? null : 3; // 25 % loss
    return null; // path 3 is down
  });
  const { perPath, drops } = await runProbeRound({ sender: network.sender, receiver: network.receiver, clock: network, sessionId: 7 }, paths, options);

  assert.equal(network.sentPackets.length, paths.length * options.count);
  assert.deepEqual(
    perPath.map((stats) => [stats.sent, stats.received, stats.lossPct]),
    [
      [20, 20, 0],
      [20, 20, 0],
      [20, 15, 25],
      [20, 0, 100],
    ],
  );
  assert.equal(perPath[0]!.rttMs!.min, 5);
  assert.equal(perPath[0]!.rttMs!.p99, 5);
  assert.equal(perPath[0]!.jitterMs, 0);
  assert.equal(perPath[1]!.rttMs!.min, 7);
  assert.equal(perPath[1]!.rttMs!.max, 9);
  assert.equal(perPath[1]!.rttMs!.avg, 8);
  assert.equal(perPath[1]!.jitterMs, 2);
  assert.equal(perPath[2]!.rttMs!.p50, 3);
  assert.equal(perPath[3]!.rttMs, null);
  assert.equal(perPath[3]!.jitterMs, null);
  assert.deepEqual(drops, { malformed: 0, otherSession: 0, forged: 0 });
});

test('a reply after its timeout counts as lost and as late', async () => {
  const network = new SimulatedNetwork((_pathId, sequence) => (sequence === 3 ? 150 : 2));
  const { perPath } = await runProbeRound({ sender: network.sender, receiver: network.receiver, clock: network }, paths.slice(0, 1), options);
  assert.equal(perPath[0]!.received, 19);
  assert.equal(perPath[0]!.late, 1);
  assert.equal(perPath[0]!.rttMs!.max, 2);
});

test('probes for different paths are spread across the interval, not sent in one burst', async () => {
  const sendTimes: bigint[] = [];
  const network = new SimulatedNetwork(() => 1);
  const sender = { ...network.sender, send: (packet: Buffer, hop: string, stamp: () => void) => (sendTimes.push(network.nowNs()), network.sender.send(packet, hop, stamp)) };
  await runProbeRound({ sender, receiver: network.receiver, clock: network }, paths, { count: 2, intervalMs: 40, timeoutMs: 50 });
  const offsetsMs = sendTimes.map((time) => Number(time - sendTimes[0]!) / 1e6);
  assert.deepEqual(offsetsMs, [0, 10, 20, 30, 40, 50, 60, 70]);
});

test('foreign, other-session, forged and duplicate packets are dropped and counted, never measured', async () => {
  const network = new SimulatedNetwork((_pathId, sequence) => (sequence === 0 ? 4 : 4));
  const stranger = (session: number, pathId: number, sequence: number, sendTimeNs: bigint) => probePayload.encode({ sessionId: session, pathId, sequence, sendTimeNs });
  network.inject(Buffer.from('GET / HTTP/1.1\r\n'), 1);
  network.inject(Buffer.alloc(3), 1);
  network.inject(stranger(99, 0, 0, 1n), 1);
  network.inject(stranger(7, 0, 5, network.nowNs()), 0.5); // right session, wrong send time: forged
  network.inject(stranger(7, 42, 0, 1n), 1); // a path we never had
  const { perPath, drops } = await runProbeRound({ sender: network.sender, receiver: network.receiver, clock: network, sessionId: 7 }, paths.slice(0, 1), { count: 10, intervalMs: 10, timeoutMs: 50 });
  assert.deepEqual(drops, { malformed: 2, otherSession: 1, forged: 2 });
  assert.equal(perPath[0]!.received, 10);
  assert.equal(perPath[0]!.rttMs!.min, 4);
  assert.equal(perPath[0]!.rttMs!.max, 4);
});

test("per-path samples are the round's RTTs in sequence order, and empty when not kept", async () => {
  const network = new SimulatedNetwork((pathId, sequence) => (sequence === 1 && pathId === 1 ? null : 1 + pathId + sequence));
  const deps = { sender: network.sender, receiver: network.receiver, clock: network };
  const kept = await runProbeRound(deps, paths.slice(0, 2), { count: 3, intervalMs: 10, timeoutMs: 50 });
  assert.deepEqual([...kept.samplesNs[0]!], [1e6, 2e6, 3e6]);
  assert.deepEqual([...kept.samplesNs[1]!], [2e6, NaN, 4e6]);
  assert.equal(kept.histograms.count(1), 2);
  assert.equal(kept.histograms.summaryMs(0)!.max, 3);
  const dropped = await runProbeRound(deps, paths.slice(0, 2), { count: 3, intervalMs: 10, timeoutMs: 50, keepSamples: false });
  assert.deepEqual(
    dropped.samplesNs.map((samples) => samples.length),
    [0, 0],
  );
  assert.equal(dropped.perPath[1]!.received, 2);
});
