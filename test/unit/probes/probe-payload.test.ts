/**
 * pathmon's probe payload: decode of hand-written bytes, round trips at the field limits, and the
 * rejections that keep foreign or future datagrams from being misread as probes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as probePayload from '../../../probes/codec/probe-payload.js';
import { PacketEncodeError } from '../../../probes/errors.js';
import { assertDecodeError, atOffset, fromHex, malformedPacket } from './packet-fixtures.js';

// Hand-written from the layout in probe-payload.ts.
const SAMPLE = fromHex(`
  504d 4f4e   # "PMON"
  01 07 0000  # version 1, flags 7, reserved
  0000 abcd   # session id
  0000 0003   # path id
  0000 0102   # sequence
  0000 018c 2b3c 4d5e  # send time ns
`);
const SAMPLE_VALUE = { flags: 7, sessionId: 0xabcd, pathId: 3, sequence: 0x102, sendTimeNs: 0x18c2b3c4d5en };

for (const offset of [0, 10]) {
  test(`decodes hand-written bytes and round trips, at offset ${offset}`, () => {
    const buf = atOffset(SAMPLE, offset);
    assert.deepEqual(probePayload.decode(buf, offset), { kind: 'probe-payload', version: 1, headerLength: 28, ...SAMPLE_VALUE });
    const encoded = Buffer.alloc(offset + 28, 0xee);
    assert.equal(probePayload.encode(SAMPLE_VALUE, encoded, offset), encoded);
    assert.deepEqual(encoded.subarray(offset), SAMPLE);
    assert.deepEqual(probePayload.encode(probePayload.decode(encoded, offset)), SAMPLE);
  });
}

test('round trips the largest values of every field', () => {
  const max = { flags: 0xff, sessionId: 0xffffffff, pathId: 0xffffffff, sequence: 0xffffffff, sendTimeNs: 2n ** 64n - 1n };
  const decoded = probePayload.decode(probePayload.encode(max));
  assert.deepEqual({ ...decoded }, { kind: 'probe-payload', version: 1, headerLength: 28, ...max });
});

test('bytes after the 28 (padding) and a nonzero reserved field are ignored', () => {
  const buf = Buffer.concat([SAMPLE, Buffer.alloc(100, 0xaa)]);
  buf[7] = 1;
  assert.equal(probePayload.decode(buf).sequence, 0x102);
});

test('every truncation throws PacketDecodeError for probe-payload', () => {
  for (let length = 0; length < 28; length++) assertDecodeError(() => probePayload.decode(SAMPLE.subarray(0, length)), 'probe-payload');
});

test('wrong magic, unknown version and short buffers throw at the offending byte', () => {
  const cases: Array<[string, number]> = [
    ['probe-payload-wrong-magic', 0],
    ['probe-payload-version-2', 4],
    ['probe-payload-truncated', 0],
    ['probe-payload-magic-truncated', 0],
  ];
  for (const [name, offset] of cases) {
    assertDecodeError(() => probePayload.decode(malformedPacket(name)), 'probe-payload', offset);
    assertDecodeError(() => probePayload.decode(atOffset(malformedPacket(name), 10), 10), 'probe-payload', offset + 10);
  }
});

test('encode validates before writing', () => {
  const bad: Array<Partial<probePayload.ProbePayload>> = [
    { flags: 256 },
    { sessionId: -1 },
    { pathId: 2 ** 32 },
    { sequence: 0.5 },
    { sendTimeNs: -1n },
    { sendTimeNs: 2n ** 64n },
    { sendTimeNs: 5 as unknown as bigint },
  ];
  for (const patch of bad) {
    assert.throws(
      () => probePayload.encode({ ...SAMPLE_VALUE, ...patch }),
      (e: unknown) => e instanceof PacketEncodeError && e.layer === 'probe-payload',
      String(Object.keys(patch)),
    );
  }
});
