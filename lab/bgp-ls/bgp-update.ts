/**
 * The BGP path attributes a BGP-LS route needs (RFC 4271 ORIGIN, RFC 4760 MP_REACH_NLRI and
 * MP_UNREACH_NLRI for AFI 16388 / SAFI 71), and a whole UPDATE message around them.
 *
 * gobgpd's `AddPath` takes each attribute's wire bytes in `pattrs_binary` (the MP_REACH carries the next
 * hop) and the NLRI in `nlri_binary`. The whole UPDATE is not sent anywhere by the lab: it exists so
 * tests can hand exactly these bytes to an independent decoder (`exabgp --decode`).
 *
 *    path attribute: Flags (1) | Type (1) | Length (1, or 2 with the extended-length flag) | Value
 *    MP_REACH_NLRI:  AFI (2) | SAFI (1) | Next Hop Length (1) | Next Hop | Reserved (1) | NLRIs
 *    MP_UNREACH_NLRI: AFI (2) | SAFI (1) | Withdrawn NLRIs
 *    UPDATE: Marker (16 x 0xff) | Length (2) | Type 2 | Withdrawn Routes Length (2) = 0 |
 *            Total Path Attribute Length (2) | Path Attributes
 */
import { ipv4Bytes, LsEncodeError } from './ls-tlv.js';

export const AFI_LS = 16388;
export const SAFI_LS = 71;

const FLAG_OPTIONAL = 0x80;
const FLAG_TRANSITIVE = 0x40;
const FLAG_EXTENDED_LENGTH = 0x10;
const ATTR = { origin: 1, asPath: 2, mpReach: 14, mpUnreach: 15 } as const;
const MAX_MESSAGE_BYTES = 4096;

function pathAttribute(flags: number, type: number, value: Buffer): Buffer {
  const extended = value.length > 255;
  const head = Buffer.alloc(extended ? 4 : 3);
  head.writeUInt8(flags | (extended ? FLAG_EXTENDED_LENGTH : 0), 0);
  head.writeUInt8(type, 1);
  if (extended) head.writeUInt16BE(value.length, 2);
  else head.writeUInt8(value.length, 2);
  return Buffer.concat([head, value]);
}

/** ORIGIN IGP: the routes come from an IGP. */
export function originIgp(): Buffer {
  return pathAttribute(FLAG_TRANSITIVE, ATTR.origin, Buffer.from([0]));
}

/** AS_PATH with one AS_SEQUENCE (4-octet ASes); empty for routes originated locally. */
export function asPath(asns: number[]): Buffer {
  if (asns.length === 0) return pathAttribute(FLAG_TRANSITIVE, ATTR.asPath, Buffer.alloc(0));
  const value = Buffer.alloc(2 + 4 * asns.length);
  value.writeUInt8(2, 0);
  value.writeUInt8(asns.length, 1);
  asns.forEach((asn, i) => value.writeUInt32BE(asn, 2 + 4 * i));
  return pathAttribute(FLAG_TRANSITIVE, ATTR.asPath, value);
}

export function mpReachLs(nextHop: string, nlris: Buffer[]): Buffer {
  const hop = ipv4Bytes(nextHop, 'next hop');
  const head = Buffer.alloc(4);
  head.writeUInt16BE(AFI_LS, 0);
  head.writeUInt8(SAFI_LS, 2);
  head.writeUInt8(hop.length, 3);
  return pathAttribute(FLAG_OPTIONAL, ATTR.mpReach, Buffer.concat([head, hop, Buffer.from([0]), ...nlris]));
}

export function mpUnreachLs(nlris: Buffer[]): Buffer {
  const head = Buffer.alloc(3);
  head.writeUInt16BE(AFI_LS, 0);
  head.writeUInt8(SAFI_LS, 2);
  return pathAttribute(FLAG_OPTIONAL, ATTR.mpUnreach, Buffer.concat([head, ...nlris]));
}

/** A complete BGP UPDATE carrying only path attributes (BGP-LS needs no IPv4 NLRI fields). */
export function updateMessage(attributes: Buffer[]): Buffer {
  const attrs = Buffer.concat(attributes);
  const length = 19 + 2 + 2 + attrs.length;
  if (length > MAX_MESSAGE_BYTES) {
    throw new LsEncodeError(`bgpLs.updateMessage: UPDATE would be ${length} bytes; expected at most ${MAX_MESSAGE_BYTES} (RFC 4271 §4.1)`);
  }
  const head = Buffer.alloc(23);
  head.fill(0xff, 0, 16);
  head.writeUInt16BE(length, 16);
  head.writeUInt8(2, 18);
  head.writeUInt16BE(0, 19);
  head.writeUInt16BE(attrs.length, 21);
  return Buffer.concat([head, attrs]);
}
