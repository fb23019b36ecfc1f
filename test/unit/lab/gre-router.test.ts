import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checksum, encodeProbePacket, ipv4 } from '../../../probes/index.js';
import { GreRouter, type OutgoingPacket } from '../../../lab/router/gre-router.js';
import type { LabInterface } from '../../../lab/lab-plan.js';

// R2 in the nanog76 lab: links to R1 (l0), R4 (l2) and R5 (l3); plus a host link to check ingress.
const interfaces: LabInterface[] = [
  { name: 'l0-R1', linkId: 'l0', address: '10.1.1.0', prefixLength: 31, peer: 'R1', peerKind: 'router', peerAddress: '10.1.1.1' },
  { name: 'l2-R4', linkId: 'l2', address: '10.1.1.5', prefixLength: 31, peer: 'R4', peerKind: 'router', peerAddress: '10.1.1.4' },
  { name: 'l9-h1', linkId: 'l9', address: '10.3.0.1', prefixLength: 31, peer: 'h1', peerKind: 'host', peerAddress: '10.3.0.0' },
];

function harness(random = () => 0.5) {
  const sent: { packet: Buffer; destination: string }[] = [];
  const delayed: { outgoing: OutgoingPacket; delayNs: number }[] = [];
  const router = new GreRouter('R2', interfaces, {
    send: (packet, destination) => sent.push({ packet: Buffer.from(packet), destination }),
    delay: (outgoing, delayNs) => delayed.push({ outgoing, delayNs }),
    random,
    nowNs: () => 0n,
  });
  return { router, sent, delayed };
}

const probe = (hops: string[]) =>
  encodeProbePacket({ source: '10.2.0.0', hops, returnAddress: '10.2.0.0', sourcePort: 4000, destinationPort: 4000 }, { sessionId: 1, pathId: 2, sequence: 3, sendTimeNs: 4n });

test('strips one GRE layer and sends the inner packet to the next hop, TTL decremented, checksum valid', () => {
  const { router, sent } = harness();
  router.handle(probe(['10.1.1.0', '10.1.1.4', '10.1.1.12']));
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.destination, '10.1.1.4');
  const inner = ipv4.decode(sent[0]!.packet, 0);
  assert.equal(inner.destination, '10.1.1.4');
  assert.equal(inner.ttl, 63);
  assert.equal(checksum.internetChecksum(sent[0]!.packet, 0, inner.headerLength), 0, 'header checksum verifies');
  assert.equal(router.counters.forwarded, 1);
});

test('delay and loss of the egress link direction apply; the other direction does not', () => {
  const { router, sent, delayed } = harness();
  router.impairments = { 'R2>R4>l2': { delayMs: 20 }, 'R4>R2>l2': { lossPct: 100 } };
  router.handle(probe(['10.1.1.0', '10.1.1.4']));
  assert.equal(sent.length, 0);
  assert.equal(delayed.length, 1);
  assert.equal(delayed[0]!.delayNs, 20e6);
});

test('a link that is down drops, and a lossy one drops by chance', () => {
  const down = harness();
  down.router.impairments = { 'R2>R4>l2': { down: true } };
  down.router.handle(probe(['10.1.1.0', '10.1.1.4']));
  assert.equal(down.router.counters.dropped.down, 1);

  const lossy = harness(() => 0.3);
  lossy.router.impairments = { 'R2>R4>l2': { lossPct: 40 } };
  lossy.router.handle(probe(['10.1.1.0', '10.1.1.4']));
  assert.equal(lossy.router.counters.dropped.loss, 1);
  const lucky = harness(() => 0.5);
  lucky.router.impairments = { 'R2>R4>l2': { lossPct: 40 } };
  lucky.router.handle(probe(['10.1.1.0', '10.1.1.4']));
  assert.equal(lucky.sent.length, 1);
});

test('a link from a host is impaired where it arrives, since hosts run no router', () => {
  const { router, delayed } = harness();
  router.impairments = { 'h1>R2>l9': { delayMs: 5 }, 'R2>R4>l2': { delayMs: 1 } };
  router.handle(probe(['10.3.0.1', '10.1.1.4']));
  assert.equal(delayed[0]!.delayNs, 6e6);
});

test('jitter is uniform around the delay and never negative', () => {
  const low = harness(() => 0);
  low.router.impairments = { 'R2>R4>l2': { delayMs: 1, jitterMs: 3 } };
  low.router.handle(probe(['10.1.1.0', '10.1.1.4']));
  assert.equal(low.sent.length, 1, 'delay 1 - 3 clamps to 0: sent at once');
  const high = harness(() => 1);
  high.router.impairments = { 'R2>R4>l2': { delayMs: 1, jitterMs: 3 } };
  high.router.handle(probe(['10.1.1.0', '10.1.1.4']));
  assert.equal(high.delayed[0]!.delayNs, 4e6);
});

test('malformed packets and expiring TTLs are counted and dropped, never thrown', () => {
  const { router, sent } = harness();
  router.handle(Buffer.from('not a packet'));
  router.handle(Buffer.alloc(0));
  const udpOnly = probe(['10.1.1.0']).subarray(24); // the inner UDP packet: not GRE
  router.handle(Buffer.from(udpOnly));
  const expiring = probe(['10.1.1.0', '10.1.1.4']);
  expiring[24 + 8] = 1;
  router.handle(expiring);
  assert.equal(router.counters.dropped.malformed, 3);
  assert.equal(router.counters.dropped.ttlExpired, 1);
  assert.equal(sent.length, 0);
});

test('the C forwarding path gets the same directions impaired as the Node router: egress by neighbor, host ingress by local address', async () => {
  const { forwarderRules, parseForwarderCounters } = await import('../../../lab/router/c-forwarder.js');
  const rules = forwarderRules(
    'R2',
    interfaces,
    {
      'R2>R4>l2': { delayMs: 5, jitterMs: 0.5 },
      'R4>R2>l2': { delayMs: 9 }, // R4's to apply, not R2's
      'h1>R2>l9': { lossPct: 2.5 },
      'R2>R1>l0': { down: true },
    },
    '/run/lab/truth/R2.bin',
  );
  assert.deepEqual(rules.trim().split('\n').sort(), ['in 10.3.0.1 0 0 25000 0', 'out 10.1.1.1 0 0 0 1', 'out 10.1.1.4 5000000 500000 0 0', 'truth /run/lab/truth/R2.bin']);
  assert.equal(forwarderRules('R2', interfaces, {}), '\n', 'no impairment, no truth folder: no rules');
  const counters = parseForwarderCounters('counters 10 8 3 1 0 0 1 0 2 12.5 40.0 3.1 9.9') as { forwarded: number; dropped: { loss: number }; releaseLateUs: { max: number } };
  assert.equal(counters.forwarded, 8);
  assert.equal(counters.dropped.loss, 1);
  assert.equal(counters.releaseLateUs.max, 9.9);
  assert.equal(parseForwarderCounters('counters 1 2 x'), undefined);
  const withScheduling = parseForwarderCounters('counters 10 8 3 1 0 0 1 0 2 12.5 40.0 3.1 9.9 1') as { realtime?: boolean; forwarded: number };
  assert.equal(withScheduling.realtime, true, 'the 15th field says SCHED_FIFO');
  assert.equal(withScheduling.forwarded, 8);
  assert.equal((parseForwarderCounters('counters 10 8 3 1 0 0 1 0 2 12.5 40.0 3.1 9.9 0') as { realtime?: boolean }).realtime, false);
  assert.equal('realtime' in counters, false, 'a 14-field line from an older build says nothing about scheduling');
});

test('the C forwarder gets one-way faults on exactly one direction: towards a host, from a host, between routers', async () => {
  const { forwarderRules } = await import('../../../lab/router/c-forwarder.js');
  const only = (key: string, impairment: object) => forwarderRules('R2', interfaces, { [key]: impairment }).trim();
  // Towards a host: R2 sends onto the link, so R2 drops by the host's address.
  assert.equal(only('R2>h1>l9', { down: true }), 'out 10.3.0.0 0 0 0 1');
  // From a host: the host runs no router, so R2 drops what arrives on its own address of that link.
  assert.equal(only('h1>R2>l9', { lossPct: 100 }), 'in 10.3.0.1 0 0 1000000 0');
  // Between routers: R2 applies its own direction only; the reverse is R4's to apply.
  assert.equal(only('R2>R4>l2', { down: true }), 'out 10.1.1.4 0 0 0 1');
  assert.equal(only('R4>R2>l2', { down: true }), '');
  // A direction of a link R2 is not on, or of a link id it does not have, is not R2's.
  assert.equal(only('R2>R4>l7', { down: true }), '');
});
