/**
 * The IGP's view of the lab, read from ospfd's link-state database (`show ip ospf database router json`):
 * routers, the numbered point-to-point links between them (one per direction), and stub prefixes.
 *
 * Why router LSAs and not FRR's traffic-engineering database (`show ip ospf mpls-te database`): on
 * FRR 8.4 that database was checked and found wrong in both ways that matter here: the edges of the
 * first router to come up never appear in it, on any router, and after a link flap one direction of
 * the failed link stays in it. Router LSAs are what OSPF itself computes routes from, so they are
 * right by construction.
 *
 * A link is reported only when both ends list each other (RFC 2328 §16.1's two-way check), so a link
 * goes the moment either end's new LSA arrives, and comes back only once both ends have a full
 * adjacency. Both ends' addresses come from pairing the two routers' link records on the stub subnet
 * they share, which keeps parallel links apart. LSAs at MaxAge are being flushed and are left out.
 */

export interface IgpNode {
  routerId: string;
  area: string;
}

export interface IgpLink {
  area: string;
  from: string;
  to: string;
  localAddress: string;
  neighborAddress: string;
  metric: number;
}

export interface IgpPrefix {
  area: string;
  routerId: string;
  prefix: string;
  metric: number;
}

export interface IgpTopology {
  nodes: IgpNode[];
  links: IgpLink[];
  prefixes: IgpPrefix[];
}

export class LsdbParseError extends Error {
  override name = 'LsdbParseError';
}

const MAX_AGE_S = 3600;
const P2P = 'another Router (point-to-point)';
const STUB = 'Stub Network';

interface P2pRecord {
  neighbor: string;
  address: string;
  metric: number;
}

interface RouterLsa {
  area: string;
  routerId: string;
  p2p: P2pRecord[];
  stubs: { network: number; mask: number; prefix: string; metric: number }[];
}

/** Parses ospfd's JSON; throws LsdbParseError when it is not the shape FRR 8.4 prints. */
export function igpTopologyFromOspf(jsonText: string): IgpTopology {
  let doc: unknown;
  try {
    doc = JSON.parse(jsonText);
  } catch {
    throw new LsdbParseError(`bgpLs.igpTopologyFromOspf: ospfd's answer is not JSON; it starts "${jsonText.slice(0, 80)}"`);
  }
  const areas = record(record(record(doc, 'document')['routerLinkStates'], 'routerLinkStates')['areas'], 'routerLinkStates.areas');
  const lsas: RouterLsa[] = [];
  for (const [area, list] of Object.entries(areas)) {
    if (!Array.isArray(list)) throw new LsdbParseError(`bgpLs.igpTopologyFromOspf: area ${area} is not a list of LSAs`);
    for (const item of list) {
      const lsa = routerLsa(area, record(item, `area ${area} LSA`));
      if (lsa) lsas.push(lsa);
    }
  }
  const byRouter = new Map(lsas.map((lsa) => [`${lsa.area}|${lsa.routerId}`, lsa]));
  const links: IgpLink[] = [];
  for (const lsa of lsas) {
    for (const own of lsa.p2p) {
      const peer = byRouter.get(`${lsa.area}|${own.neighbor}`);
      const back = peer ? matchingRecord(lsa, own, peer) : undefined;
      if (!back) continue;
      links.push({ area: lsa.area, from: lsa.routerId, to: own.neighbor, localAddress: own.address, neighborAddress: back.address, metric: own.metric });
    }
  }
  return {
    nodes: lsas.map((lsa) => ({ routerId: lsa.routerId, area: lsa.area })),
    links,
    prefixes: lsas.flatMap((lsa) => lsa.stubs.map((stub) => ({ area: lsa.area, routerId: lsa.routerId, prefix: stub.prefix, metric: stub.metric }))),
  };
}

function routerLsa(area: string, lsa: Record<string, unknown>): RouterLsa | undefined {
  const routerId = lsa['advertisingRouter'];
  if (typeof routerId !== 'string' || !isIpv4(routerId)) throw new LsdbParseError(`bgpLs.igpTopologyFromOspf: router LSA without a usable advertisingRouter (${String(routerId)})`);
  if (typeof lsa['lsaAge'] === 'number' && lsa['lsaAge'] >= MAX_AGE_S) return undefined;
  const result: RouterLsa = { area, routerId, p2p: [], stubs: [] };
  const links = lsa['routerLinks'];
  if (links === undefined) return result;
  for (const link of Object.values(record(links, `routerLinks of ${routerId}`))) {
    const entry = record(link, `a router link of ${routerId}`);
    const metric = typeof entry['tos0Metric'] === 'number' ? entry['tos0Metric'] : 0;
    if (entry['linkType'] === P2P && typeof entry['neighborRouterId'] === 'string' && isIpv4(String(entry['routerInterfaceAddress']))) {
      result.p2p.push({ neighbor: entry['neighborRouterId'], address: String(entry['routerInterfaceAddress']), metric });
    } else if (entry['linkType'] === STUB && isIpv4(String(entry['networkAddress'])) && isIpv4(String(entry['networkMask']))) {
      const mask = ipv4Value(String(entry['networkMask']));
      const network = ipv4Value(String(entry['networkAddress']));
      result.stubs.push({ network, mask, prefix: `${entry['networkAddress']}/${prefixLength(mask)}`, metric });
    }
    // Transit and virtual links need broadcast networks or virtual links; the lab makes neither.
  }
  return result;
}

/** The peer's record of the same link: towards us, on the subnet our address is on. */
function matchingRecord(lsa: RouterLsa, own: P2pRecord, peer: RouterLsa): P2pRecord | undefined {
  const towardsUs = peer.p2p.filter((candidate) => candidate.neighbor === lsa.routerId);
  const ownValue = ipv4Value(own.address);
  const subnet = lsa.stubs.find((stub) => (ownValue & stub.mask) >>> 0 === stub.network);
  if (subnet) {
    return towardsUs.find((candidate) => (ipv4Value(candidate.address) & subnet.mask) >>> 0 === subnet.network && candidate.address !== own.address);
  }
  return towardsUs.length === 1 ? towardsUs[0] : undefined;
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new LsdbParseError(`bgpLs.igpTopologyFromOspf: ${what} is not an object`);
  }
  return value as Record<string, unknown>;
}

function isIpv4(text: string): boolean {
  return /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(text) && text.split('.').every((octet) => Number(octet) <= 255);
}

function ipv4Value(text: string): number {
  return text.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0) >>> 0;
}

function prefixLength(mask: number): number {
  let length = 0;
  while (length < 32 && (mask & (0x80000000 >>> length)) !== 0) length++;
  return length;
}
