/**
 * Shared by the codec tests: hex parsing, the malformed-packet fixtures under
 * test/fixtures/malformed/packets, and one assertion for "this input is rejected as malformed". Hex
 * fixtures keep a one-line `#` comment saying what is wrong, so each file explains itself.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { PacketDecodeError } from '../../../probes/errors.js';
import { fixturePath } from '../../helpers/repo-root.js';

/** Bytes from hex text; `#` starts a comment to end of line, whitespace is ignored. */
export function fromHex(text: string): Buffer {
  const digits = text.replace(/#.*$/gm, '').replace(/\s+/g, '');
  assert.match(digits, /^([0-9a-fA-F]{2})*$/, 'fixture hex must be whole bytes');
  return Buffer.from(digits, 'hex');
}

export const malformedDir = fixturePath('malformed', 'packets');

export function malformedNames(): string[] {
  return readdirSync(malformedDir)
    .filter((name) => name.endsWith('.hex'))
    .sort();
}

export function malformedPacket(name: string): Buffer {
  return fromHex(readFileSync(`${malformedDir}/${name}.hex`, 'utf8'));
}

/** Asserts `fn` throws PacketDecodeError (and nothing else) for `layer`, at `offset` when given. */
export function assertDecodeError(fn: () => unknown, layer: string, offset?: number): PacketDecodeError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof PacketDecodeError, `expected PacketDecodeError, got ${String(caught)}`);
  assert.equal(caught.layer, layer);
  if (offset !== undefined) assert.equal(caught.offset, offset);
  return caught;
}

/** Copies `bytes` into a new buffer at `offset`, so decoders are tested away from offset 0. */
export function atOffset(bytes: Buffer, offset: number): Buffer {
  const buf = Buffer.alloc(offset + bytes.length, 0xee);
  bytes.copy(buf, offset);
  return buf;
}
