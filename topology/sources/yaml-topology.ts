/**
 * pathmon's own YAML topology, which is also the lab's file format: routers, hosts, and bidirectional
 * links with an address at each end. It yields two things from one validation: the topology events
 * (each link in both directions) and a normalised `YamlTopologySpec` that the lab builds namespaces and
 * veth pairs from, so the monitor and the lab can never disagree about what the file means.
 *
 * Validation happens here, before anything is built: the schema (`yaml-schema.ts`) checks each value,
 * then the cross-field rules below check what no single value can show (both ends in one subnet, known
 * and distinct endpoints, unique names and addresses, every host attached). All problems found are
 * reported in one TopologyError whose `where` names the file, line and YAML path of the first.
 */
import { LineCounter, parseDocument, type Document } from 'yaml';
import { TopologyError } from '../errors.js';
import { linkKey, type TopologyEvent } from '../model.js';
import { broadcastOf, formatIpv4, networkOf, parseIpv4Cidr } from './ipv4.js';
import { normaliseRouterId } from './router-id.js';
import { DEFAULT_LINK_METRIC, formatYamlPath, problemsFromIssues, yamlTopologySchema, type RawYamlTopology, type YamlProblem } from './yaml-schema.js';

export interface YamlRouterSpec {
  name: string;
  /** Normalised (IS-IS system ids as 12 lower-case hex digits) when given. */
  routerId?: string;
  /** Ids of the links with this router at either end, in file order. */
  linkIds: string[];
}

export interface YamlHostSpec {
  name: string;
  /** Ids of the links with this host at either end, in file order (never empty). */
  linkIds: string[];
}

export interface YamlLinkSpec {
  /** `l<index>`: the link's position in the file. */
  id: string;
  a: string;
  b: string;
  /** a's address, without the prefix length. */
  aAddress: string;
  /** b's address, without the prefix length. */
  bAddress: string;
  prefixLength: number;
  /** The link's subnet in CIDR form, e.g. `10.1.1.0/31`. */
  subnet: string;
  metric: number;
}

/** The validated, normalised topology: what the lab builds and what the events describe. */
export interface YamlTopologySpec {
  name?: string;
  routers: YamlRouterSpec[];
  hosts: YamlHostSpec[];
  links: YamlLinkSpec[];
}

const MAX_PROBLEMS_IN_MESSAGE = 10;

/**
 * Parses and validates a YAML topology.
 * @param source file name (or other label) used in `where`.
 * @throws TopologyError `malformed-input` on a YAML syntax error or any rule broken; `where` is
 *   `<source>:<line> <yaml path>` of the first problem.
 */
export function parseYamlTopology(text: string, source = 'topology.yaml'): { spec: YamlTopologySpec; events: TopologyEvent[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    // prettyErrors would fill linePos but also rewrites the message; the offset is all we need.
    const line = lineCounter.linePos(syntax.pos[0]).line;
    const where = `${source}:${line}`;
    throw new TopologyError(
      'malformed-input',
      `topology.parseYamlTopology: YAML syntax error at ${where}: ${syntax.message.split('\n')[0]}; expected a YAML mapping with routers, hosts and links`,
      where,
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new TopologyError('malformed-input', `topology.parseYamlTopology: cannot read ${source}: ${(err as Error).message}; expected plain YAML without alias expansion bombs`, source);
  }
  const parsed = yamlTopologySchema.safeParse(data, { reportInput: true });
  if (!parsed.success) fail(problemsFromIssues(parsed.error.issues), doc, lineCounter, source);
  const raw = parsed.data as RawYamlTopology;
  const problems = crossFieldProblems(raw);
  if (problems.length > 0) fail(problems, doc, lineCounter, source);
  const spec = buildSpec(raw);
  return { spec, events: eventsOf(spec) };
}

function fail(problems: YamlProblem[], doc: Document, lineCounter: LineCounter, source: string): never {
  const located = problems.map((p) => {
    const line = lineOf(doc, lineCounter, p.path);
    const path = formatYamlPath(p.path);
    return { where: line !== undefined ? `${source}:${line} ${path}` : `${source} ${path}`, text: `${path}: ${p.text}` };
  });
  const shown = located.slice(0, MAX_PROBLEMS_IN_MESSAGE).map((p) => p.text);
  const more = located.length > shown.length ? ` (and ${located.length - shown.length} more)` : '';
  throw new TopologyError('malformed-input', `topology.parseYamlTopology: ${shown.join('; ')}${more}`, located[0]?.where ?? source);
}

/** The line of the deepest node that exists along `path`, so even a missing key points near its parent. */
function lineOf(doc: Document, lineCounter: LineCounter, path: (string | number)[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range !== undefined) return lineCounter.linePos(range[0]).line;
  }
  return undefined;
}

function crossFieldProblems(raw: RawYamlTopology): YamlProblem[] {
  const problems: YamlProblem[] = [];
  const names = new Map<string, string>();
  const declare = (name: string, path: (string | number)[]): void => {
    const previous = names.get(name);
    if (previous !== undefined) {
      problems.push({ path, text: `got ${JSON.stringify(name)}, already the name of ${previous}; expected names unique across routers and hosts` });
    } else names.set(name, formatYamlPath(path.slice(0, 2)));
  };
  raw.routers.forEach((r, i) => declare(r.name, ['routers', i, 'name']));
  (raw.hosts ?? []).forEach((h, i) => declare(h.name, ['hosts', i, 'name']));

  const addresses = new Map<number, string>();
  const attached = new Set<string>();
  (raw.links ?? []).forEach((link, i) => {
    for (const end of ['a', 'b'] as const) {
      if (names.has(link[end])) attached.add(link[end]);
      else {
        const known = [...names.keys()].slice(0, 12).join(', ');
        problems.push({ path: ['links', i, end], text: `got ${JSON.stringify(link[end])}; expected a declared router or host (${known})` });
      }
    }
    if (link.a === link.b) {
      problems.push({ path: ['links', i, 'b'], text: `got ${JSON.stringify(link.b)}, the same node as links[${i}].a; expected a link between two different nodes` });
    }
    // The schema has checked both are valid CIDRs.
    const a = parseIpv4Cidr(link.aAddress)!;
    const b = parseIpv4Cidr(link.bAddress)!;
    for (const [end, cidr] of [
      ['aAddress', a],
      ['bAddress', b],
    ] as const) {
      const path = ['links', i, end];
      const previous = addresses.get(cidr.value);
      if (previous !== undefined) {
        problems.push({ path, text: `got ${JSON.stringify(link[end])}; address ${cidr.address} is already used at ${previous}; expected each address once` });
      } else addresses.set(cidr.value, formatYamlPath(path));
      // A /31 has no network or broadcast address (RFC 3021); shorter prefixes do, and neither can be an interface.
      if (cidr.prefixLength <= 30) {
        const network = networkOf(cidr.value, cidr.prefixLength);
        const role = cidr.value === network ? 'network' : cidr.value === broadcastOf(cidr.value, cidr.prefixLength) ? 'broadcast' : undefined;
        if (role !== undefined) {
          problems.push({ path, text: `got ${JSON.stringify(link[end])}, the ${role} address of ${formatIpv4(network)}/${cidr.prefixLength}; expected a host address` });
        }
      }
    }
    if (a.prefixLength !== b.prefixLength) {
      problems.push({
        path: ['links', i, 'bAddress'],
        text: `got ${JSON.stringify(link.bAddress)} (/${b.prefixLength}) but links[${i}].aAddress is ${JSON.stringify(link.aAddress)} (/${a.prefixLength}); expected the same prefix length at both ends`,
      });
    } else if (networkOf(a.value, a.prefixLength) !== networkOf(b.value, b.prefixLength)) {
      problems.push({
        path: ['links', i, 'bAddress'],
        text: `got ${JSON.stringify(link.bAddress)}, outside links[${i}].aAddress's subnet ${formatIpv4(networkOf(a.value, a.prefixLength))}/${a.prefixLength}; expected both ends in one subnet`,
      });
    }
  });
  (raw.hosts ?? []).forEach((h, i) => {
    if (!attached.has(h.name)) {
      problems.push({ path: ['hosts', i], text: `host ${JSON.stringify(h.name)} has no link; expected at least one link with a or b = ${h.name}` });
    }
  });
  return problems;
}

function buildSpec(raw: RawYamlTopology): YamlTopologySpec {
  const links: YamlLinkSpec[] = (raw.links ?? []).map((link, i) => {
    const a = parseIpv4Cidr(link.aAddress)!;
    const b = parseIpv4Cidr(link.bAddress)!;
    return {
      id: `l${i}`,
      a: link.a,
      b: link.b,
      aAddress: a.address,
      bAddress: b.address,
      prefixLength: a.prefixLength,
      subnet: `${formatIpv4(networkOf(a.value, a.prefixLength))}/${a.prefixLength}`,
      metric: link.metric ?? DEFAULT_LINK_METRIC,
    };
  });
  const linkIdsOf = (name: string): string[] => links.filter((l) => l.a === name || l.b === name).map((l) => l.id);
  return {
    ...(raw.name !== undefined && { name: raw.name }),
    routers: raw.routers.map((r) => {
      const routerId = r.routerId !== undefined ? normaliseRouterId(r.routerId) : undefined;
      return { name: r.name, ...(routerId !== undefined && { routerId }), linkIds: linkIdsOf(r.name) };
    }),
    hosts: (raw.hosts ?? []).map((h) => ({ name: h.name, linkIds: linkIdsOf(h.name) })),
    links,
  };
}

function eventsOf(spec: YamlTopologySpec): TopologyEvent[] {
  const events: TopologyEvent[] = [];
  for (const r of spec.routers) {
    events.push({ kind: 'node-up', node: { id: r.name, name: r.name, kind: 'router', ...(r.routerId !== undefined && { routerId: r.routerId }) } });
  }
  for (const h of spec.hosts) events.push({ kind: 'node-up', node: { id: h.name, name: h.name, kind: 'host' } });
  for (const l of spec.links) {
    for (const [from, to, local, neighbor] of [
      [l.a, l.b, l.aAddress, l.bAddress],
      [l.b, l.a, l.bAddress, l.aAddress],
    ] as const) {
      events.push({
        kind: 'link-up',
        link: {
          key: linkKey(from, to, local, neighbor),
          from,
          to,
          localAddress: local,
          neighborAddress: neighbor,
          prefixLength: l.prefixLength,
          igpMetric: l.metric,
        },
      });
    }
  }
  return events;
}
