import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeProbePacket,
  FLAG_HMAC,
  HMAC_TAG_BYTES,
  probePayload,
  ProbeKeyError,
  ProbeSigner,
  ProbeTemplate,
  runProbeRound,
  udp,
  type Clock,
  type ProbeReceiver,
  type ProbeSender,
} from '../../../probes/index.js';

const key = Buffer.alloc(32, 0x5a);
const addressing = { source: '10.2.0.0', hops: ['10.2.0.1', '10.1.1.0'], returnAddress: '10.2.0.0', sourcePort: 4000, destinationPort: 4000 };

/** The UDP payload (probe payload + tag) at the core of a probe packet. */
function corePayload(packet: Buffer): Buffer {
  return packet.subarray(packet.length - probePayload.HEADER_LENGTH - HMAC_TAG_BYTES);
}

test('a signed template carries the flag and a tag that verifies after every stamp, with a valid UDP checksum', () => {
  const signer = new ProbeSigner(key);
  const template = new ProbeTemplate(addressing, { sessionId: 9, pathId: 3 }, { signer });
  for (const [sequence, time] of [
    [0, 1n],
    [1, 123_456_789n],
    [0xffffffff, 2n ** 63n],
  ] as const) {
    const packet = template.stamp(sequence, time);
    const decoded = decodeProbePacket(packet);
    assert.equal(decoded.payload.flags & FLAG_HMAC, FLAG_HMAC);
    assert.equal(decoded.payload.sequence, sequence);
    assert.equal(decoded.udpChecksumValid, true);
    assert.equal(signer.verify(corePayload(packet)), true);
    assert.equal(new ProbeSigner(Buffer.alloc(32, 0x11)).verify(corePayload(packet)), false, 'another key must not verify');
  }
  assert.equal(decodeProbePacket(template.packet).udp.length, udp.HEADER_LENGTH + probePayload.HEADER_LENGTH + HMAC_TAG_BYTES);
});

test('a short key is refused without printing it', () => {
  assert.throws(
    () => new ProbeSigner(Buffer.from('secret-short')),
    (error: Error) => error instanceof ProbeKeyError && !error.message.includes('secret'),
  );
});

test('with a key, replies without a valid tag are forged even when session, path, sequence and send time are right', async () => {
  let now = 1_000_000_000n;
  let handler: (payload: Buffer, receivedNs: bigint) => void = () => {};
  const due: { atNs: bigint; payload: Buffer }[] = [];
  const clock: Clock = {
    nowNs: () => now,
    sleepMs: async (ms) => {
      const until = now + BigInt(Math.round(ms * 1e6));
      due.sort((a, b) => (a.atNs < b.atNs ? -1 : 1));
      while (due.length > 0 && due[0]!.atNs <= until) {
        const next = due.shift()!;
        now = next.atNs;
        handler(next.payload, next.atNs);
      }
      now = until;
    },
  };
  const receiver: ProbeReceiver = { port: 4000, onPayload: (h) => (handler = h), close: () => {} };
  const sender: ProbeSender = {
    send: (packet, _hop, stamp) => {
      stamp();
      const genuine = Buffer.from(corePayload(packet));
      const { sequence } = decodeProbePacket(packet).payload;
      if (sequence % 2 === 0) {
        due.push({ atNs: now + 3_000_000n, payload: genuine });
      } else {
        // An attacker who saw the probe rewrites the tag (it cannot compute the right one).
        const forged = Buffer.from(genuine);
        forged.fill(0, probePayload.HEADER_LENGTH);
        due.push({ atNs: now + 1_000_000n, payload: forged });
      }
    },
    close: () => {},
  };
  const paths = [{ source: addressing.source, hops: addressing.hops, returnAddress: addressing.returnAddress }];
  const { perPath, drops } = await runProbeRound({ sender, receiver, clock, sessionId: 5 }, paths, { count: 10, intervalMs: 10, timeoutMs: 50, signer: new ProbeSigner(key) });
  assert.equal(perPath[0]!.received, 5);
  assert.equal(perPath[0]!.rttMs!.min, 3);
  assert.equal(drops.forged, 5);
});
