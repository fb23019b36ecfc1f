/**
 * The udp kind and its responder: probes carry a pathmon probe payload, a reply matches by session,
 * target and sequence and must come from the target's address and port to the port the probe left
 * from; a swept source port records the ports that fail. The responder echoes only probe payloads,
 * counts the rest, and stops echoing past its rate.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { probePayload, runTargetRound, udpKind, UdpResponder, type ReceivedDatagram } from '../../../../probes/index.js';
import { DEFAULT_UDP_PORT, FakeTargetNetwork } from './fake-target-network.js';

const targets = [
  { address: '10.9.0.2', port: 7000 },
  { address: '10.9.0.3', port: 7000, sourcePort: [33000, 33003] as const },
  { address: '10.9.0.4', port: 7000, sourcePort: 40404 },
];

test('a round: replies matched, a failing source port recorded, hostile datagrams counted and the figures unmoved', async () => {
  const run = async (hostile: boolean) => {
    const network = new FakeTargetNetwork('udp', (probe) => {
      if (probe.destination === '10.9.0.3' && probe.sourcePort === 33001) return null;
      if (probe.destination === '10.9.0.4') return null;
      return { afterMs: 4 };
    });
    if (hostile) {
      network.onProbe = (probe) => {
        const from = (change: Partial<ReceivedDatagram>): ReceivedDatagram => ({
          data: probe.data,
          withIpHeader: false,
          length: probe.data.length,
          fromAddress: probe.destination,
          fromPort: probe.destinationPort,
          localPort: probe.sourcePort || DEFAULT_UDP_PORT,
          ...change,
        });
        const decoded = probePayload.decode(probe.data);
        network.inject(from({ fromAddress: '10.66.0.1' }), 1); // spoofed source
        network.inject(from({ fromPort: 53 }), 1); // right address, wrong port
        network.inject(from({ data: probePayload.encode({ ...decoded, sessionId: decoded.sessionId ^ 1 }) }), 1); // another session
        network.inject(from({ data: probePayload.encode({ ...decoded, sequence: 1000 }) }), 1); // a sequence never sent
        network.inject(from({ data: probe.data.subarray(0, 10), length: 10 }), 1); // truncated
        network.inject(from({ data: Buffer.from('GET / HTTP/1.0\r\n\r\n') }), 1); // garbage
      };
    }
    return runTargetRound({ io: network, clock: network, sessionId: 77 }, udpKind, targets, { count: 8, intervalMs: 5, timeoutMs: 40 });
  };
  const clean = await run(false);
  const attacked = await run(true);
  assert.deepEqual(attacked.perTarget, clean.perTarget);
  assert.deepEqual(
    clean.perTarget.map((s) => [s.sent, s.received, s.lossPct]),
    [
      [8, 8, 0],
      [8, 6, 25],
      [8, 0, 100],
    ],
  );
  assert.deepEqual(clean.failedSourcePorts, [[], [33001], [40404]]);
  assert.deepEqual(attacked.drops, { malformed: 48, foreign: 24, forged: 72 });
});

test('a reply to a port this round never sent from is not ours and not counted', async () => {
  const network = new FakeTargetNetwork('udp', () => ({ afterMs: 1 }));
  network.onProbe = (probe) => network.inject({ data: probe.data, withIpHeader: false, length: probe.data.length, fromAddress: probe.destination, fromPort: 7000, localPort: 1234 }, 0.5);
  const result = await runTargetRound({ io: network, clock: network, sessionId: 5 }, udpKind, [targets[0]!], { count: 3, intervalMs: 5, timeoutMs: 40 });
  assert.equal(result.perTarget[0]!.received, 3);
  assert.deepEqual(result.drops, { malformed: 0, foreign: 0, forged: 0 });
});

test('the responder echoes probe payloads to their sender and counts everything else', async (t) => {
  const responder = await UdpResponder.bind({ address: '127.0.0.1', port: 0 });
  const client = createSocket('udp4');
  t.after(async () => {
    client.close();
    await responder.close();
  });
  await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
  const echoes: Buffer[] = [];
  client.on('message', (message) => echoes.push(message));
  const probe = probePayload.encode({ sessionId: 3, pathId: 1, sequence: 2, sendTimeNs: 99n });
  for (const datagram of [probe, Buffer.from('hello'), probe.subarray(0, 27), Buffer.alloc(0)]) client.send(datagram, responder.port, '127.0.0.1');
  for (let i = 0; i < 100 && responder.counts.echoed + responder.counts.malformed < 4; i++) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(responder.counts, { echoed: 1, malformed: 3, rateLimited: 0 });
  assert.deepEqual(echoes, [probe]);
});

test('the responder stops echoing past its rate and resumes as tokens return', async (t) => {
  let nowMs = 0;
  const responder = await UdpResponder.bind({ address: '127.0.0.1', port: 0, maxEchoesPerSecond: 5, nowMs: () => nowMs });
  const client = createSocket('udp4');
  t.after(async () => {
    client.close();
    await responder.close();
  });
  const probe = probePayload.encode({ sessionId: 3, pathId: 0, sequence: 0, sendTimeNs: 0n });
  const sendAndSettle = async (n: number) => {
    const before = responder.counts.echoed + responder.counts.rateLimited;
    for (let i = 0; i < n; i++) client.send(probe, responder.port, '127.0.0.1');
    for (let i = 0; i < 200 && responder.counts.echoed + responder.counts.rateLimited < before + n; i++) await new Promise((r) => setTimeout(r, 5));
  };
  await sendAndSettle(8);
  assert.deepEqual([responder.counts.echoed, responder.counts.rateLimited], [5, 3]);
  nowMs += 400; // two tokens back
  await sendAndSettle(3);
  assert.deepEqual([responder.counts.echoed, responder.counts.rateLimited], [7, 4]);
});
