/**
 * The tcp kind: the header codec against hand-computed bytes, SYN/ACK and RST matched by the
 * acknowledgment of the ISN, the RST that ends a half-open handshake, and hostile segments (a wrong
 * acknowledgment, a spoofed source, the wrong ports, garbage, truncated) counted and dropped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketDecodeError, runTargetRound, tcpHeader, tcpKind, TargetProbeError, type ReceivedDatagram } from '../../../../probes/index.js';
import { FakeTargetNetwork, PROBER_ADDRESS, withIp } from './fake-target-network.js';

// SYN 10.0.0.1:40000 -> 10.0.0.2:443, seq 0x01020304, window 64240, MSS 1460; checksum summed by hand
// over the RFC 9293 pseudo-header.
const SYN_HEX = '9c4001bb01020304000000006002faf0e7310000020405b4';

test('a SYN encodes to the hand-computed bytes and decodes back, at offset 0 and 10', () => {
  const fields = { sourcePort: 40000, destinationPort: 443, sequence: 0x01020304, acknowledgment: 0, flags: tcpHeader.FLAG_SYN, window: 64240, options: Buffer.from([2, 4, 5, 0xb4]) };
  assert.equal(tcpHeader.encode(fields, '10.0.0.1', '10.0.0.2').toString('hex'), SYN_HEX);
  for (const offset of [0, 10]) {
    const buf = Buffer.alloc(offset + 24);
    tcpHeader.encode(fields, '10.0.0.1', '10.0.0.2', buf, offset);
    const decoded = tcpHeader.decode(buf, offset);
    assert.deepEqual([decoded.sourcePort, decoded.destinationPort, decoded.sequence, decoded.flags, decoded.headerLength], [40000, 443, 0x01020304, 2, 24]);
    assert.equal(tcpHeader.checksumValid(buf, offset, offset + 24, '10.0.0.1', '10.0.0.2'), true);
    assert.equal(tcpHeader.encode({ ...decoded }, '10.0.0.1', '10.0.0.2').toString('hex'), SYN_HEX);
  }
  assert.throws(() => tcpHeader.decode(Buffer.from(SYN_HEX, 'hex').subarray(0, 19)), PacketDecodeError);
  const badOffset = Buffer.from(SYN_HEX, 'hex');
  badOffset[12] = 0x40; // data offset 4 words
  assert.throws(() => tcpHeader.decode(badOffset), PacketDecodeError);
  assert.throws(() => tcpHeader.encode({ ...fields, sourcePort: 70000 }, '10.0.0.1', '10.0.0.2'), /sourcePort/);
});

const targets = [{ address: '10.9.0.2', port: 443 }];
const context = { sessionId: 1, targets, count: 4, localAddressFor: () => PROBER_ADDRESS };

function segment(syn: ReturnType<typeof tcpHeader.decode>, flags: number, change: Partial<{ ack: number; from: string; sourcePort: number; destinationPort: number }> = {}): ReceivedDatagram {
  const from = change.from ?? '10.9.0.2';
  const data = tcpHeader.encode(
    {
      sourcePort: change.sourcePort ?? syn.destinationPort,
      destinationPort: change.destinationPort ?? syn.sourcePort,
      sequence: 5,
      acknowledgment: change.ack ?? (syn.sequence + 1) >>> 0,
      flags,
      window: 100,
    },
    from,
    PROBER_ADDRESS,
  );
  return withIp(data, 6, from);
}

test('a SYN/ACK names its slot and asks for a RST; a RST/ACK is a refusal', () => {
  const round = tcpKind.startRound(context);
  const syn = tcpHeader.decode(round.build(0, 3, 3, 40123).data);
  assert.equal(syn.flags, tcpHeader.FLAG_SYN);
  assert.equal(syn.sourcePort, 40123);
  assert.equal(syn.destinationPort, 443);
  const open = round.match(segment(syn, tcpHeader.FLAG_SYN | tcpHeader.FLAG_ACK));
  assert.ok(!('drop' in open));
  assert.deepEqual([open.slot, open.fromAddress, open.fromPort, open.toPort, open.refused], [3, '10.9.0.2', 443, 40123, undefined]);
  const reset = tcpHeader.decode(open.followUp!.data);
  assert.equal(open.followUp!.destination, '10.9.0.2');
  assert.deepEqual([reset.flags, reset.sequence, reset.sourcePort, reset.destinationPort], [tcpHeader.FLAG_RST, (syn.sequence + 1) >>> 0, 40123, 443]);
  const closed = round.match(segment(syn, tcpHeader.FLAG_RST | tcpHeader.FLAG_ACK));
  assert.ok(!('drop' in closed));
  assert.deepEqual([closed.slot, closed.refused, closed.followUp], [3, true, undefined]);
});

test('segments that are not replies are ignored; broken ones are malformed; a wrong acknowledgment claims no slot', () => {
  const round = tcpKind.startRound(context);
  const syn = tcpHeader.decode(round.build(0, 0, 0, 40000).data);
  assert.deepEqual(round.match(segment(syn, tcpHeader.FLAG_ACK)), { drop: 'ignored' });
  assert.deepEqual(round.match(segment(syn, tcpHeader.FLAG_SYN)), { drop: 'ignored' });
  assert.deepEqual(round.match(segment(syn, tcpHeader.FLAG_RST)), { drop: 'ignored' }); // a RST without ACK answers no SYN
  assert.deepEqual(round.match(withIp(Buffer.from('0102', 'hex'), 6, '10.9.0.2')), { drop: 'malformed' });
  assert.deepEqual(round.match(withIp(Buffer.alloc(20), 17, '10.9.0.2')), { drop: 'malformed' });
  assert.deepEqual(round.match({ data: Buffer.from('garbage!'), withIpHeader: true, length: 8, fromAddress: '10.9.0.2', fromPort: 0, localPort: 0 }), { drop: 'malformed' });
  const guessed = round.match(segment(syn, tcpHeader.FLAG_SYN | tcpHeader.FLAG_ACK, { ack: (syn.sequence + 1000) >>> 0 }));
  assert.ok(!('drop' in guessed) && guessed.slot === -1);
});

test('a round: open, closed and filtered ports, hostile segments counted, the figures unmoved', async () => {
  const round = [
    { address: '10.9.0.2', port: 443 },
    { address: '10.9.0.3', port: 81 },
    { address: '10.9.0.4', port: 22, sourcePort: [50000, 50003] as const },
  ];
  const run = async (hostile: boolean) => {
    const network = new FakeTargetNetwork('tcp', (probe) => {
      if (probe.destination === '10.9.0.2') return { afterMs: 3, reply: 'syn-ack' };
      if (probe.destination === '10.9.0.3') return { afterMs: 1, reply: 'rst' };
      return probe.sourcePort === 50002 ? null : { afterMs: 2, reply: 'syn-ack' }; // one ECMP member drops
    });
    if (hostile) {
      network.onProbe = (probe) => {
        const syn = tcpHeader.decode(probe.data);
        network.inject(segment(syn, tcpHeader.FLAG_SYN | tcpHeader.FLAG_ACK, { from: '10.9.0.200' }), 0.2); // spoofed source
        network.inject(segment(syn, tcpHeader.FLAG_SYN | tcpHeader.FLAG_ACK, { ack: syn.sequence }), 0.2); // wrong acknowledgment
        network.inject(segment(syn, tcpHeader.FLAG_SYN | tcpHeader.FLAG_ACK, { sourcePort: 8080 }), 0.2); // from the wrong port
        network.inject(withIp(Buffer.from('ff', 'hex'), 6, probe.destination), 0.2); // truncated
        network.inject(segment(syn, tcpHeader.FLAG_ACK), 0.2); // ordinary traffic
      };
    }
    const result = await runTargetRound({ io: network, clock: network, sessionId: 9, localAddressFor: () => PROBER_ADDRESS }, tcpKind, round, { count: 8, intervalMs: 10, timeoutMs: 50 });
    return { result, network };
  };
  const clean = await run(false);
  const attacked = await run(true);
  assert.deepEqual(attacked.result.perTarget, clean.result.perTarget);
  const stats = clean.result.perTarget;
  assert.deepEqual(
    stats.map((s) => [s.sent, s.received, s.rttMs?.p50]),
    [
      [8, 8, 3],
      [8, 8, 1],
      [8, 6, 2],
    ],
  );
  assert.deepEqual(clean.result.refused, [0, 8, 0]);
  assert.deepEqual(clean.result.failedSourcePorts[2], [50002]);
  assert.deepEqual(clean.result.failedSourcePorts.slice(0, 2), [[], []]);
  assert.deepEqual(clean.result.drops, { malformed: 0, foreign: 0, forged: 0 });
  assert.deepEqual(attacked.result.drops, { malformed: 24, foreign: 0, forged: 72 });
  // Every SYN/ACK got a RST; no RST went out for a refusal or a forged reply.
  const resets = clean.network.sent.filter((probe) => !probe.report);
  assert.equal(resets.length, 14);
  assert.ok(resets.every((probe) => tcpHeader.decode(probe.data).flags === tcpHeader.FLAG_RST));
  // The engine chose different source ports per probe for the first target.
  const ports = new Set(clean.network.sent.filter((p) => p.report && p.destination === '10.9.0.2').map((p) => p.sourcePort));
  assert.equal(ports.size, 8);
});

test('a tcp target without a port, or with a bad source range, is refused before anything is sent', async () => {
  const network = new FakeTargetNetwork('tcp', () => null);
  const run = (target: object) => runTargetRound({ io: network, clock: network }, tcpKind, [target as never], { count: 1, intervalMs: 1, timeoutMs: 1 });
  await assert.rejects(run({ address: '10.0.0.1' }), TargetProbeError);
  await assert.rejects(run({ address: '10.0.0.1', port: 80, sourcePort: [2000, 1000] }), /sourcePort/);
  await assert.rejects(run({ address: 'db.example', port: 80 }), /resolve names/);
  assert.equal(network.sent.length, 0);
});
