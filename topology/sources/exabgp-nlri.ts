/**
 * BGP-LS NLRIs and the link-state attribute, as ExaBGP 4.2 prints them in JSON, turned into topology
 * events. Split from the line parser because this is where node identity is decided, and identity is
 * the one rule every other part of the graph depends on:
 *
 * - A node's id is its IGP router id (IS-IS 12-hex system id in lower case, or OSPF dotted id), so the
 *   node NLRI and every link descriptor naming that router produce the same string.
 * - Pseudonodes (IS-IS `psn`, OSPF `designated-router-id`) share the router id of their designated
 *   router, so they get a suffix: `<router-id>:psn<psn>` and `<router-id>:dr<designated-router-id>`,
 *   and `pseudonode: true`. Without the suffix a LAN would collapse into the router that hosts it.
 * - The AS, BGP-LS identifier and protocol are kept on the node but left out of the id, so the same
 *   router seen through IS-IS L1 and L2 stays one node.
 *
 * Nothing here throws: an NLRI that cannot be understood is skipped and recorded in `LineNotes`, so
 * one bad NLRI never costs the good ones sharing its UPDATE.
 */
import { linkKey, type TopologyEvent, type TopologyLink, type TopologyNode } from '../model.js';
import { isIpv4 } from './ipv4.js';
import { isRecord, show } from './values.js';
import { normaliseRouterId } from './router-id.js';

/** What one line left out, for counting (`ignored`) and for humans (`warnings`). */
export interface LineNotes {
  ignored: string[];
  warnings: string[];
}

/** The link-state attribute values pathmon uses; everything else is ignored or counted. */
export interface LsAttributes {
  nodeName?: string;
  igpMetric?: number;
  teMetric?: number;
  maxBandwidthBytesPerSec?: number;
  prefixMetric?: number;
}

/** BGP-LS Protocol-ID (RFC 7752 §3.2) to the names the model uses. */
export const BGPLS_PROTOCOLS: Readonly<Record<number, string>> = {
  1: 'isis-l1',
  2: 'isis-l2',
  3: 'ospfv2',
  4: 'direct',
  5: 'static',
  6: 'ospfv3',
};

// Attributes ExaBGP decodes correctly that pathmon has no use for: dropped silently, because counting
// them would bury the fields that were really lost (attribute-not-implemented and friends).
const KNOWN_UNUSED = new Set([
  'maximum-reservable-link-bandwidth',
  'unreserved-bandwidth',
  'admin-group-mask',
  'shared-risk-link-groups',
  'local-te-router-ids',
  'remote-te-router-id',
  'node-flags',
  'area-id',
  'igp-flags',
]);

const MAX_NAME_CHARS = 64;

/** Input-derived names go into counters: cap them so a hostile line cannot grow a counter key without bound. */
export function fieldName(name: string): string {
  return name.length > MAX_NAME_CHARS ? `${name.slice(0, MAX_NAME_CHARS)}...` : name;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
const isRate = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** Reads `attribute["bgp-ls"]`, keeping the values pathmon uses and noting unknown or bad fields. */
export function readLsAttributes(attr: unknown, notes: LineNotes): LsAttributes {
  const out: LsAttributes = {};
  if (attr === undefined) return out;
  if (!isRecord(attr)) {
    notes.ignored.push('bgp-ls');
    notes.warnings.push(`topology.parseExabgpLine: attribute bgp-ls ${show(attr)}; expected an object`);
    return out;
  }
  const bad = (key: string, value: unknown, expected: string): void => {
    notes.ignored.push(fieldName(key));
    notes.warnings.push(`topology.parseExabgpLine: attribute ${fieldName(key)} ${show(value)}; expected ${expected}`);
  };
  for (const [key, value] of Object.entries(attr)) {
    switch (key) {
      case 'node-name':
        if (typeof value === 'string' && value.trim() !== '' && value.length <= 255) out.nodeName = value.trim();
        else bad(key, value, 'a non-empty string of at most 255 characters');
        break;
      case 'igp-metric':
        if (isCount(value)) out.igpMetric = value;
        else bad(key, value, 'a non-negative integer');
        break;
      case 'te-metric':
        if (isCount(value)) out.teMetric = value;
        else bad(key, value, 'a non-negative integer');
        break;
      case 'prefix-metric':
        if (isCount(value)) out.prefixMetric = value;
        else bad(key, value, 'a non-negative integer');
        break;
      case 'maximum-link-bandwidth':
        if (isRate(value)) out.maxBandwidthBytesPerSec = value;
        else bad(key, value, 'a non-negative number of bytes per second');
        break;
      default:
        if (!KNOWN_UNUSED.has(key)) notes.ignored.push(fieldName(key));
    }
  }
  return out;
}

interface NodeIdentity {
  id: string;
  routerId: string;
  pseudonode: boolean;
  asn?: number;
  bgpLsId?: string;
}

const PSEUDONODE_PART = /^[0-9A-Za-z.]{1,15}$/;

/** The node's identity from a node descriptor object, or a description of what is wrong with it. */
function nodeIdentity(desc: unknown, field: string): NodeIdentity | string {
  if (!isRecord(desc)) return `${field} ${show(desc)}; expected a node descriptor object`;
  const raw = desc['router-id'];
  const routerId = typeof raw === 'string' ? normaliseRouterId(raw) : undefined;
  if (routerId === undefined) {
    return `${field}.router-id ${show(raw)}; expected an IS-IS system id (12 hex digits) or an OSPF router id`;
  }
  const identity: NodeIdentity = { id: routerId, routerId, pseudonode: false };
  const psn = desc['psn'];
  if (psn !== undefined) {
    if ((typeof psn !== 'string' && typeof psn !== 'number') || !PSEUDONODE_PART.test(String(psn))) {
      return `${field}.psn ${show(psn)}; expected a pseudonode number`;
    }
    identity.id += `:psn${String(psn)}`;
    identity.pseudonode = true;
  }
  const dr = desc['designated-router-id'];
  if (dr !== undefined) {
    if (typeof dr !== 'string' || !PSEUDONODE_PART.test(dr)) {
      return `${field}.designated-router-id ${show(dr)}; expected an IPv4 address`;
    }
    identity.id += `:dr${dr}`;
    identity.pseudonode = true;
  }
  const asn = desc['autonomous-system'];
  if (isCount(asn)) identity.asn = asn;
  const lsId = desc['bgp-ls-identifier'];
  if (typeof lsId === 'string' || isCount(lsId)) identity.bgpLsId = String(lsId);
  return identity;
}

// ExaBGP prints whatever the TLV held; accept IPv4 strictly and IPv6 by shape, since these become probe targets.
const looksLikeIpv6 = (s: string): boolean => s.includes(':') && s.length <= 45 && /^[0-9a-fA-F:.]+$/.test(s);

/** `{ "interface-address": "10.0.12.1" }` to the address; `{  }` (unnumbered) to null; bad shapes to a problem. */
function linkAddress(value: unknown, key: string): { address: string | null } | string {
  if (value === undefined) return { address: null };
  const inner = isRecord(value) ? value[key] : value;
  if (inner === undefined && isRecord(value) && Object.keys(value).length === 0) return { address: null };
  if (typeof inner === 'string' && (isIpv4(inner) || looksLikeIpv6(inner))) return { address: inner };
  return `${key} ${show(value)}; expected { "${key}": "<IPv4 or IPv6 address>" }`;
}

function protocolName(value: unknown, notes: LineNotes): string | undefined {
  if (value === undefined) return undefined;
  const name = typeof value === 'number' ? BGPLS_PROTOCOLS[value] : undefined;
  if (name === undefined) notes.ignored.push(`protocol-id:${fieldName(show(value))}`);
  return name;
}

function skip(notes: LineNotes, what: string, problem: string): TopologyEvent[] {
  notes.ignored.push('malformed-nlri');
  notes.warnings.push(`topology.parseExabgpLine: skipped ${what}: ${problem}`);
  return [];
}

/** The events one announced or withdrawn BGP-LS NLRI stands for (none if it cannot be understood). */
export function nlriEvents(nlri: unknown, action: 'announce' | 'withdraw', attrs: LsAttributes, notes: LineNotes): TopologyEvent[] {
  if (!isRecord(nlri)) return skip(notes, 'an NLRI', `${show(nlri)}; expected an NLRI object`);
  const type = nlri['ls-nlri-type'];
  switch (type) {
    case 'bgpls-node':
      return nodeEvents(nlri, action, attrs, notes);
    case 'bgpls-link':
      return linkEvents(nlri, action, attrs, notes);
    case 'bgpls-prefix-v4':
    case 'bgpls-prefix-v6':
      return prefixEvents(nlri, action, attrs, notes);
    default:
      if (typeof type === 'string') {
        notes.ignored.push(`ls-nlri-type:${fieldName(type)}`);
        return [];
      }
      return skip(notes, 'an NLRI', `ls-nlri-type ${show(type)}; expected bgpls-node, bgpls-link or bgpls-prefix-v4/v6`);
  }
}

function nodeEvents(nlri: Record<string, unknown>, action: string, attrs: LsAttributes, notes: LineNotes): TopologyEvent[] {
  const who = nodeIdentity(nlri['node-descriptors'], 'node-descriptors');
  if (typeof who === 'string') return skip(notes, 'a node NLRI', who);
  if (action === 'withdraw') return [{ kind: 'node-down', nodeId: who.id }];
  const protocol = protocolName(nlri['protocol-id'], notes);
  const node: TopologyNode = {
    id: who.id,
    // A pseudonode shares its router id with a real router; naming it by the id keeps the two apart.
    name: attrs.nodeName ?? (who.pseudonode ? who.id : who.routerId),
    kind: 'router',
    routerId: who.routerId,
    ...(who.asn !== undefined && { asn: who.asn }),
    ...(who.bgpLsId !== undefined && { bgpLsId: who.bgpLsId }),
    ...(protocol !== undefined && { protocol }),
    ...(who.pseudonode && { pseudonode: true }),
  };
  return [{ kind: 'node-up', node }];
}

function linkEvents(nlri: Record<string, unknown>, action: string, attrs: LsAttributes, notes: LineNotes): TopologyEvent[] {
  const from = nodeIdentity(nlri['local-node-descriptors'], 'local-node-descriptors');
  if (typeof from === 'string') return skip(notes, 'a link NLRI', from);
  const to = nodeIdentity(nlri['remote-node-descriptors'], 'remote-node-descriptors');
  if (typeof to === 'string') return skip(notes, 'a link NLRI', to);
  const local = linkAddress(nlri['interface-address'], 'interface-address');
  if (typeof local === 'string') return skip(notes, 'a link NLRI', local);
  const neighbor = linkAddress(nlri['neighbor-address'], 'neighbor-address');
  if (typeof neighbor === 'string') return skip(notes, 'a link NLRI', neighbor);
  const localAddress = local.address ?? undefined;
  const neighborAddress = neighbor.address ?? undefined;
  const key = linkKey(from.id, to.id, localAddress, neighborAddress);
  if (action === 'withdraw') return [{ kind: 'link-down', linkKey: key }];

  if (localAddress === undefined && neighborAddress === undefined) {
    // ExaBGP 4.2 drops the link local/remote identifiers TLV (258) and prints `"interface-address": {  }`.
    notes.ignored.push('link-identifiers');
    notes.warnings.push(
      `topology.parseExabgpLine: link ${from.id} -> ${to.id} has no interface or neighbor address ` +
        '(unnumbered; ExaBGP 4.2 drops link identifiers, TLV 258): it cannot be probed, and parallel ' +
        'unnumbered links between these nodes share one key',
    );
  } else if (neighborAddress === undefined) {
    notes.warnings.push(`topology.parseExabgpLine: link ${from.id} -> ${to.id} has no neighbor address: a probe leg over it cannot be addressed`);
  }
  const link: TopologyLink = {
    key,
    from: from.id,
    to: to.id,
    ...(localAddress !== undefined && { localAddress }),
    ...(neighborAddress !== undefined && { neighborAddress }),
    ...(attrs.igpMetric !== undefined && { igpMetric: attrs.igpMetric }),
    ...(attrs.teMetric !== undefined && { teMetric: attrs.teMetric }),
    ...(attrs.maxBandwidthBytesPerSec !== undefined && { maxBandwidthBytesPerSec: attrs.maxBandwidthBytesPerSec }),
  };
  return [{ kind: 'link-up', link }];
}

const PREFIX = /^[0-9a-fA-F.:]{2,45}\/[0-9]{1,3}$/;

function prefixEvents(nlri: Record<string, unknown>, action: string, attrs: LsAttributes, notes: LineNotes): TopologyEvent[] {
  const who = nodeIdentity(nlri['node-descriptors'], 'node-descriptors');
  if (typeof who === 'string') return skip(notes, 'a prefix NLRI', who);
  const prefix = nlri['ip-reach-prefix'];
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    return skip(notes, 'a prefix NLRI', `ip-reach-prefix ${show(prefix)}; expected an address/length like 10.0.12.0/24`);
  }
  if (action === 'withdraw') return [{ kind: 'prefix-down', nodeId: who.id, prefix }];
  return [{ kind: 'prefix-up', nodeId: who.id, prefix, ...(attrs.prefixMetric !== undefined && { metric: attrs.prefixMetric }) }];
}
