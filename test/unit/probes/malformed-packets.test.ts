/**
 * Replays every packet under test/fixtures/malformed/packets through the decoder its name starts with.
 * Each must be rejected with PacketDecodeError and nothing else (no RangeError, no silent success), so a
 * packet that once broke a decoder stays a regression test forever: add a file, it is covered.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as gre from '../../../probes/codec/gre.js';
import * as ipv4 from '../../../probes/codec/ipv4.js';
import * as probePayload from '../../../probes/codec/probe-payload.js';
import * as udp from '../../../probes/codec/udp.js';
import { PacketDecodeError } from '../../../probes/errors.js';
import { decodeProbePacket, peelGre } from '../../../probes/nested-gre.js';
import { malformedNames, malformedPacket } from './packet-fixtures.js';

const DECODERS: Array<[string, (buf: Buffer) => unknown]> = [
  ['probe-payload-', (buf) => probePayload.decode(buf)],
  ['probe-packet-', (buf) => decodeProbePacket(buf)],
  ['peel-gre-', (buf) => peelGre(buf)],
  ['ipv4-', (buf) => ipv4.decode(buf)],
  ['gre-', (buf) => gre.decode(buf)],
  ['udp-', (buf) => udp.decode(buf)],
];

test('the malformed packet collection is not empty', () => {
  assert.ok(malformedNames().length >= 20);
});

for (const file of malformedNames()) {
  const name = file.replace(/\.hex$/, '');
  test(`malformed/packets/${file} throws PacketDecodeError`, () => {
    const entry = DECODERS.find(([prefix]) => name.startsWith(prefix));
    assert.ok(entry, `${file}: name must start with one of ${DECODERS.map(([p]) => p).join(', ')}`);
    assert.throws(() => entry[1](malformedPacket(name)), PacketDecodeError);
  });
}
