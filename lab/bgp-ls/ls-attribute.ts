/**
 * The BGP-LS attribute (path attribute 29, RFC 7752 §3.3): node, link and prefix properties as TLVs.
 *
 * gobgpd decodes what it is given and re-encodes it, silently dropping TLVs it does not know (delay 1114,
 * prefix metric 1155, ...); an attribute left empty that way reaches ExaBGP as an empty attribute 29,
 * which ExaBGP treats as a withdraw. So only TLVs both gobgpd 3.10 and ExaBGP
 * 4.2.21 decode are written, and every attribute must carry at least one: encoding an empty one throws.
 * TLVs go out in gobgpd's own order, so what the lab sends and what gobgpd forwards compare byte for byte.
 *
 *    attribute 29:  Flags 0x80 (optional, non-transitive) | Type 29 | Length (1, or 2 if > 255) | TLVs
 *    node:   1026 node name, 1028 IPv4 router id of local node, 1024 node flag bits
 *    link:   1095 IGP metric, 1092 TE default metric, 1089 max link bandwidth (IEEE float, bytes/s),
 *            1028 IPv4 router id of local node, 1030 IPv4 router id of remote node
 *    prefix: 1152 IGP flags
 */
import { ipv4Bytes, LsEncodeError, tlv, uint32Bytes } from './ls-tlv.js';

export interface NodeAttributes {
  nodeName?: string;
  localRouterId?: string;
  /** RFC 7752 §3.3.1.1 O/T/E/B/R/V bits. */
  nodeFlags?: number;
}

export interface LinkAttributes {
  /** OSPF metrics are 16 bits (2 octets); IS-IS wide metrics 24 bits (3 octets). */
  igpMetric?: { value: number; octets: 1 | 2 | 3 };
  teMetric?: number;
  maxBandwidthBytesPerSec?: number;
  localRouterId?: string;
  remoteRouterId?: string;
}

export interface PrefixAttributes {
  /** RFC 7752 §3.3.3.1 D/N/L/P bits. */
  igpFlags: number;
}

const ATTR_TYPE_BGP_LS = 29;
const FLAG_OPTIONAL = 0x80;
const FLAG_EXTENDED_LENGTH = 0x10;
const MAX_NODE_NAME_BYTES = 255;

export function nodeAttribute(attrs: NodeAttributes): Buffer {
  const tlvs: Buffer[] = [];
  if (attrs.nodeName !== undefined) {
    const name = Buffer.from(attrs.nodeName, 'utf8');
    if (name.length === 0 || name.length > MAX_NODE_NAME_BYTES) {
      throw new LsEncodeError(`bgpLs.nodeAttribute: node name "${attrs.nodeName}" is ${name.length} bytes; expected 1 to ${MAX_NODE_NAME_BYTES}`);
    }
    tlvs.push(tlv(1026, name));
  }
  if (attrs.localRouterId !== undefined) tlvs.push(tlv(1028, ipv4Bytes(attrs.localRouterId, 'local router id')));
  if (attrs.nodeFlags !== undefined) tlvs.push(tlv(1024, byte(attrs.nodeFlags, 'node flags')));
  return lsAttribute(tlvs, 'nodeAttribute');
}

export function linkAttribute(attrs: LinkAttributes): Buffer {
  const tlvs: Buffer[] = [];
  if (attrs.igpMetric !== undefined) tlvs.push(tlv(1095, igpMetric(attrs.igpMetric.value, attrs.igpMetric.octets)));
  if (attrs.teMetric !== undefined) tlvs.push(tlv(1092, uint32Bytes(attrs.teMetric, 'TE metric')));
  if (attrs.maxBandwidthBytesPerSec !== undefined) {
    const bandwidth = attrs.maxBandwidthBytesPerSec;
    if (!Number.isFinite(bandwidth) || bandwidth < 0) {
      throw new LsEncodeError(`bgpLs.linkAttribute: bandwidth ${bandwidth} bytes/s is not usable; expected a finite number >= 0`);
    }
    const value = Buffer.alloc(4);
    value.writeFloatBE(bandwidth, 0);
    tlvs.push(tlv(1089, value));
  }
  if (attrs.localRouterId !== undefined) tlvs.push(tlv(1028, ipv4Bytes(attrs.localRouterId, 'local router id')));
  if (attrs.remoteRouterId !== undefined) tlvs.push(tlv(1030, ipv4Bytes(attrs.remoteRouterId, 'remote router id')));
  return lsAttribute(tlvs, 'linkAttribute');
}

export function prefixAttribute(attrs: PrefixAttributes): Buffer {
  return lsAttribute([tlv(1152, byte(attrs.igpFlags, 'IGP flags'))], 'prefixAttribute');
}

function lsAttribute(tlvs: Buffer[], caller: string): Buffer {
  if (tlvs.length === 0) {
    throw new LsEncodeError(`bgpLs.${caller}: no attribute TLV given; expected at least one (an empty attribute 29 reads as a withdraw)`);
  }
  const value = Buffer.concat(tlvs);
  const extended = value.length > 255;
  const head = Buffer.alloc(extended ? 4 : 3);
  head.writeUInt8(FLAG_OPTIONAL | (extended ? FLAG_EXTENDED_LENGTH : 0), 0);
  head.writeUInt8(ATTR_TYPE_BGP_LS, 1);
  if (extended) head.writeUInt16BE(value.length, 2);
  else head.writeUInt8(value.length, 2);
  return Buffer.concat([head, value]);
}

function igpMetric(value: number, octets: 1 | 2 | 3): Buffer {
  const max = 2 ** (8 * octets) - 1;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new LsEncodeError(`bgpLs.linkAttribute: IGP metric ${value} does not fit ${octets} octets; expected 0 to ${max}`);
  }
  const buf = Buffer.alloc(octets);
  buf.writeUIntBE(value, 0, octets);
  return buf;
}

function byte(value: number, what: string): Buffer {
  if (!Number.isInteger(value) || value < 0 || value > 255) {
    throw new LsEncodeError(`bgpLs.lsAttribute: ${what} ${value} is out of range; expected 0 to 255`);
  }
  return Buffer.from([value]);
}
