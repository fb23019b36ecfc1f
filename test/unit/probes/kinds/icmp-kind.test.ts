/**
 * The icmp kind: the echo codec against hand-computed bytes, and the kind's reading of replies, real and
 * hostile (wrong identifier, another session, a spoofed source, truncated, garbage, a bad checksum,
 * a reply of the wrong length), each on its own and in a whole round whose figures must not move.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { icmpEcho, icmpKind, PacketDecodeError, runTargetRound, TargetProbeError, type ReceivedDatagram } from '../../../../probes/index.js';
import { FakeTargetNetwork, withIp } from './fake-target-network.js';

// Echo request, identifier 0x1234, sequence 1, data "abcd"; checksum 0x2104 summed by hand.
const ECHO_HEX = '080021041234000161626364';

test('an echo request encodes to the hand-computed bytes and decodes back, at offset 0 and 10', () => {
  const fields = { type: icmpEcho.TYPE_ECHO_REQUEST, identifier: 0x1234, sequence: 1, data: Buffer.from('abcd') } as const;
  assert.equal(icmpEcho.encode(fields).toString('hex'), ECHO_HEX);
  for (const offset of [0, 10]) {
    const buf = Buffer.alloc(offset + 12);
    icmpEcho.encode(fields, buf, offset);
    const decoded = icmpEcho.decode(buf, offset);
    assert.equal(decoded.checksumValid, true);
    assert.deepEqual([decoded.type, decoded.identifier, decoded.sequence, decoded.data.toString()], [8, 0x1234, 1, 'abcd']);
    assert.equal(icmpEcho.encode({ ...fields, data: decoded.data }).toString('hex'), ECHO_HEX);
  }
});

test('a truncated ICMP header is a PacketDecodeError; bad values refuse to encode', () => {
  assert.throws(() => icmpEcho.decode(Buffer.from('0800', 'hex')), PacketDecodeError);
  assert.throws(() => icmpEcho.encode({ type: 8, identifier: 70000, sequence: 0, data: Buffer.alloc(0) }), /identifier/);
  assert.throws(() => icmpEcho.encode({ type: 3 as 8, identifier: 1, sequence: 0, data: Buffer.alloc(0) }), /type/);
});

const target = { address: '10.9.0.2' };
const context = { sessionId: 0xabcd0123, targets: [target, { address: '10.9.0.3', payloadBytes: 4 }], count: 3, localAddressFor: () => '10.9.0.1' };

function reply(identifier: number, sequence: number, data: Buffer, source = '10.9.0.2'): ReceivedDatagram {
  return withIp(icmpEcho.encode({ type: icmpEcho.TYPE_ECHO_REPLY, identifier, sequence, data }), 1, source);
}

test('a reply is matched to its slot by identifier, sequence and the payload stamp', () => {
  const round = icmpKind.startRound(context);
  const request = icmpEcho.decode(round.build(0, 2, 2, 0).data);
  assert.equal(request.identifier, 0x0123);
  assert.equal(request.sequence, 2);
  assert.equal(request.data.length, 56);
  assert.deepEqual(round.match(reply(0x0123, 2, request.data)), { slot: 2, fromAddress: '10.9.0.2' });
  // A 4-byte payload has no room for the stamp: identifier and sequence alone.
  const small = icmpEcho.decode(round.build(1, 1, 4, 0).data);
  assert.equal(small.data.length, 4);
  assert.deepEqual(round.match(reply(0x0123, 4, small.data, '10.9.0.3')), { slot: 4, fromAddress: '10.9.0.3' });
});

test('hostile replies are told apart: foreign, forged, malformed or ignored', () => {
  const round = icmpKind.startRound(context);
  const data = Buffer.from(icmpEcho.decode(round.build(0, 1, 1, 0).data).data);
  const otherSession = Buffer.from(data);
  otherSession.writeUInt32BE(0x11111111, 0);
  const wrongSlot = Buffer.from(data);
  wrongSlot.writeUInt32BE(2, 4); // says slot 2 under sequence 1
  const slot99 = Buffer.from(data);
  slot99.writeUInt32BE(99, 4);
  const good = reply(0x0123, 1, data);
  const badSum = Buffer.from(good.data);
  badSum[good.data.length - 1]! ^= 0xff;
  const request = withIp(icmpEcho.encode({ type: 8, identifier: 0x0123, sequence: 1, data }), 1, '10.9.0.2');
  const unreachable = withIp(Buffer.from('0301fcfe0000000045000000', 'hex'), 1, '10.9.0.2');
  const cases: [string, ReceivedDatagram, string][] = [
    ['wrong identifier', reply(0x9999, 1, data), 'foreign'],
    ['another session', reply(0x0123, 1, otherSession), 'foreign'],
    ['stamp disagrees with sequence', reply(0x0123, 1, wrongSlot), 'forged'],
    ['slot never in the round', reply(0x0123, 99, slot99), 'forged'],
    ['shorter than sent', reply(0x0123, 1, data.subarray(0, 20)), 'forged'],
    ['bad checksum', { ...good, data: badSum }, 'malformed'],
    ['garbage', { ...good, data: Buffer.from('hello world'), length: 11 }, 'malformed'],
    ['truncated ICMP', withIp(Buffer.from('0000', 'hex'), 1, '10.9.0.2'), 'malformed'],
    ['not ICMP', withIp(Buffer.alloc(8), 17, '10.9.0.2'), 'malformed'],
    ['unreachable', unreachable, 'foreign'],
    ['an echo request', request, 'ignored'],
  ];
  for (const [name, datagram, expected] of cases) assert.deepEqual(round.match(datagram), { drop: expected }, name);
});

test('a payload too small for the stamp is refused for a round of more than 65536 probes', () => {
  assert.throws(() => icmpKind.validate([{ address: '10.0.0.1', payloadBytes: 7 }], 70_000), TargetProbeError);
  assert.doesNotThrow(() => icmpKind.validate([{ address: '10.0.0.1', payloadBytes: 8 }], 70_000));
  assert.throws(() => icmpKind.validate([{ address: '10.0.0.1', payloadBytes: 70_000 }], 1), /payloadBytes/);
});

test('a round under a flood of hostile replies reports the same figures as without it', async () => {
  const targets = [{ address: '10.9.0.2' }, { address: '10.9.0.3', payloadBytes: 1400 }, { address: '10.9.0.4' }];
  const run = async (hostile: boolean) => {
    const network = new FakeTargetNetwork('icmp-raw', (probe) => (probe.destination === '10.9.0.4' ? null : { afterMs: probe.destination === '10.9.0.2' ? 2 : 5 }));
    if (hostile) {
      network.onProbe = (probe) => {
        const request = icmpEcho.decode(probe.data);
        // The same reply from a spoofed source, early; one with a foreign identifier; garbage.
        network.inject(reply(request.identifier, request.sequence, request.data, '10.9.0.99'), 0.5);
        network.inject(reply(request.identifier ^ 1, request.sequence, request.data, probe.destination), 0.5);
        network.inject({ data: Buffer.from('garbage'), withIpHeader: true, length: 7, fromAddress: probe.destination, fromPort: 0, localPort: 0 }, 0.5);
      };
    }
    return runTargetRound({ io: network, clock: network, sessionId: 42 }, icmpKind, targets, { count: 10, intervalMs: 10, timeoutMs: 100 });
  };
  const clean = await run(false);
  const attacked = await run(true);
  assert.deepEqual(attacked.perTarget, clean.perTarget);
  assert.deepEqual(
    clean.perTarget.map((s) => [s.sent, s.received, s.lossPct, s.rttMs?.p50]),
    [
      [10, 10, 0, 2],
      [10, 10, 0, 5],
      [10, 0, 100, undefined],
    ],
  );
  assert.deepEqual(clean.drops, { malformed: 0, foreign: 0, forged: 0 });
  // One of each per probe sent, whether or not the target answers.
  assert.deepEqual(attacked.drops, { malformed: 30, foreign: 30, forged: 30 });
});
