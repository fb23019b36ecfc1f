/**
 * The one wire shape BGP-LS is built from (RFC 7752 §3.1): Type (2 octets), Length (2 octets), Value.
 * NLRI descriptors, node descriptor sub-TLVs and link-state attribute TLVs all use it, so the encoders
 * in this folder only ever produce values and let `tlv` frame them. Also the small value encoders they
 * share (IPv4 addresses, router ids), each checking its input and naming it when it is wrong.
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |              Type             |             Length            |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    //                            Value (variable)                 //
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */

export class LsEncodeError extends Error {
  override name = 'LsEncodeError';
}

const MAX_TLV_VALUE_BYTES = 0xffff;

export function tlv(type: number, value: Buffer): Buffer {
  if (value.length > MAX_TLV_VALUE_BYTES) {
    throw new LsEncodeError(`bgpLs.tlv: TLV ${type} value is ${value.length} bytes; expected at most ${MAX_TLV_VALUE_BYTES}`);
  }
  const head = Buffer.alloc(4);
  head.writeUInt16BE(type, 0);
  head.writeUInt16BE(value.length, 2);
  return Buffer.concat([head, value]);
}

const OCTET = /^(0|[1-9][0-9]{0,2})$/;

/** The 4 bytes of a strict dotted-quad IPv4 address. */
export function ipv4Bytes(address: string, what: string): Buffer {
  const parts = address.split('.');
  if (parts.length !== 4 || !parts.every((part) => OCTET.test(part) && Number(part) <= 255)) {
    throw new LsEncodeError(`bgpLs.ipv4Bytes: ${what} "${address}" is not an IPv4 address; expected a.b.c.d`);
  }
  return Buffer.from(parts.map(Number));
}

export function uint32Bytes(value: number, what: string): Buffer {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new LsEncodeError(`bgpLs.uint32Bytes: ${what} ${value} is out of range; expected an integer from 0 to 4294967295`);
  }
  const buf = Buffer.alloc(4);
  buf.writeUInt32BE(value, 0);
  return buf;
}

/**
 * An IGP router id as RFC 7752 §3.2.1.4 carries it: 4 octets for an OSPF router id (dotted), 6 for an
 * IS-IS system id (12 hex digits, dots allowed as routers print them).
 */
export function igpRouterIdBytes(routerId: string): Buffer {
  if (/^[0-9a-fA-F]{12}$/.test(routerId) || /^[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}$/.test(routerId)) {
    return Buffer.from(routerId.replaceAll('.', ''), 'hex');
  }
  return ipv4Bytes(routerId, 'IGP router id');
}
