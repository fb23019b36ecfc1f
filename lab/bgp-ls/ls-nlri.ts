/**
 * RFC 7752 link-state NLRIs: node (type 1), link (type 2) and IPv4 prefix (type 3), as the lab's BGP-LS
 * originator hands them to gobgpd in `Path.nlri_binary`.
 *
 * Only descriptors that both gobgpd 3.10 and ExaBGP 4.2.21 handle are ever written:
 * no MT-ID (TLV 263, ExaBGP spins forever), no BGP router id (516, ExaBGP resets the session), and no
 * link local/remote identifiers (258, ExaBGP drops them): lab links are numbered, so they are named by
 * their IPv4 interface and neighbor addresses, which is also what pathmon pins a probe leg to.
 *
 *    +------------------+------------------+---------------------------------------+
 *    | NLRI Type (2)    | Total Length (2) | Protocol-ID (1) | Identifier (8)      |
 *    +------------------+------------------+---------------------------------------+
 *    | node:   Local Node Descriptors (256)                                       |
 *    | link:   Local (256), Remote (257) Node Descriptors, Link Descriptors       |
 *    |         (259 IPv4 interface address, 260 IPv4 neighbor address)            |
 *    | prefix: Local Node Descriptors (256), Prefix Descriptors                   |
 *    |         (264 OSPF route type, 265 IP reachability information)             |
 *    +----------------------------------------------------------------------------+
 *    Node Descriptor sub-TLVs (§3.2.1.4): 512 AS, 513 BGP-LS Identifier, 514 OSPF Area-ID,
 *    515 IGP Router-ID.
 */
import { igpRouterIdBytes, ipv4Bytes, LsEncodeError, tlv, uint32Bytes } from './ls-tlv.js';

/** RFC 7752 §3.2 Protocol-IDs. */
export const LS_PROTOCOL = { isisL1: 1, isisL2: 2, ospfv2: 3, direct: 4, static: 5, ospfv3: 6 } as const;

export interface NodeDescriptor {
  asn: number;
  bgpLsId: number;
  /** Dotted, as OSPF prints areas; omitted for IS-IS. */
  ospfAreaId?: string;
  /** OSPF router id (dotted) or IS-IS system id (12 hex digits). */
  igpRouterId: string;
}

interface NlriCommon {
  protocolId: number;
  /** RFC 7752 §3.2 Identifier: the routing universe; 0 is the default Layer 3 topology. */
  identifier: bigint;
}

export type LsNlri =
  | (NlriCommon & { kind: 'node'; node: NodeDescriptor })
  | (NlriCommon & { kind: 'link'; local: NodeDescriptor; remote: NodeDescriptor; interfaceAddress: string; neighborAddress: string })
  | (NlriCommon & { kind: 'prefix-v4'; node: NodeDescriptor; prefix: string; ospfRouteType?: number });

const NLRI_TYPE = { node: 1, link: 2, 'prefix-v4': 3 } as const;

/** TLV codes, RFC 7752 §3.2. */
const TLV = {
  localNode: 256,
  remoteNode: 257,
  ipv4Interface: 259,
  ipv4Neighbor: 260,
  ospfRouteType: 264,
  ipReachability: 265,
  asn: 512,
  bgpLsId: 513,
  ospfArea: 514,
  igpRouterId: 515,
} as const;

/** One NLRI, type and length included: exactly what goes into MP_REACH/MP_UNREACH and `nlri_binary`. */
export function encodeLsNlri(nlri: LsNlri): Buffer {
  const head = Buffer.alloc(9);
  if (!Number.isInteger(nlri.protocolId) || nlri.protocolId < 1 || nlri.protocolId > 255) {
    throw new LsEncodeError(`bgpLs.encodeLsNlri: protocol id ${nlri.protocolId} is out of range; expected 1 to 255`);
  }
  head.writeUInt8(nlri.protocolId, 0);
  head.writeBigUInt64BE(BigInt.asUintN(64, nlri.identifier), 1);
  let body: Buffer[];
  switch (nlri.kind) {
    case 'node':
      body = [nodeDescriptors(TLV.localNode, nlri.node)];
      break;
    case 'link':
      body = [
        nodeDescriptors(TLV.localNode, nlri.local),
        nodeDescriptors(TLV.remoteNode, nlri.remote),
        tlv(TLV.ipv4Interface, ipv4Bytes(nlri.interfaceAddress, 'link interface address')),
        tlv(TLV.ipv4Neighbor, ipv4Bytes(nlri.neighborAddress, 'link neighbor address')),
      ];
      break;
    case 'prefix-v4':
      body = [
        nodeDescriptors(TLV.localNode, nlri.node),
        ...(nlri.ospfRouteType === undefined ? [] : [tlv(TLV.ospfRouteType, ospfRouteType(nlri.ospfRouteType))]),
        tlv(TLV.ipReachability, ipReachability(nlri.prefix)),
      ];
      break;
  }
  const value = Buffer.concat([head, ...body]);
  const out = Buffer.alloc(4);
  out.writeUInt16BE(NLRI_TYPE[nlri.kind], 0);
  out.writeUInt16BE(value.length, 2);
  return Buffer.concat([out, value]);
}

function nodeDescriptors(type: number, node: NodeDescriptor): Buffer {
  return tlv(
    type,
    Buffer.concat([
      tlv(TLV.asn, uint32Bytes(node.asn, 'node AS')),
      tlv(TLV.bgpLsId, uint32Bytes(node.bgpLsId, 'BGP-LS identifier')),
      ...(node.ospfAreaId === undefined ? [] : [tlv(TLV.ospfArea, ipv4Bytes(node.ospfAreaId, 'OSPF area id'))]),
      tlv(TLV.igpRouterId, igpRouterIdBytes(node.igpRouterId)),
    ]),
  );
}

function ospfRouteType(value: number): Buffer {
  // RFC 7752 §3.2.3.1: 1 intra-area, 2 inter-area, 3 external 1, 4 external 2, 5 NSSA 1, 6 NSSA 2.
  if (!Number.isInteger(value) || value < 1 || value > 6) {
    throw new LsEncodeError(`bgpLs.encodeLsNlri: OSPF route type ${value} is unknown; expected 1 to 6`);
  }
  return Buffer.from([value]);
}

/** RFC 7752 §3.2.3.2: prefix length, then only the octets the length covers. */
function ipReachability(prefix: string): Buffer {
  const [address, lengthText] = prefix.split('/');
  const length = Number(lengthText);
  if (address === undefined || lengthText === undefined || !/^[0-9]{1,2}$/.test(lengthText) || length > 32) {
    throw new LsEncodeError(`bgpLs.encodeLsNlri: prefix "${prefix}" is not usable; expected a.b.c.d/len with len 0 to 32`);
  }
  const bytes = ipv4Bytes(address, 'prefix');
  return Buffer.concat([Buffer.from([length]), bytes.subarray(0, Math.ceil(length / 8))]);
}
