/**
 * Which directed links make one physical link, and what people call it. BGP-LS (and so the graph)
 * describes a link per direction; an engineer fixes a cable. One broken link must therefore be one
 * incident and one ticket whatever the direction, so the evaluator keys incidents to the pair: the two
 * directions' keys sorted (`link:<key>,<key>`), or the single key when the reverse does not exist.
 *
 * The reverse of `from|to|local|neighbor` is `to|from|neighbor|local` (topology/model.ts builds keys
 * that way for every source). Links whose reverse cannot be found by key (a source that numbered the
 * two ends differently) are paired when they are the only link each way between their nodes. Parallel
 * links stay distinct physical links, and their labels carry the address so the engineer can tell them
 * apart: `R2→R5 (10.1.1.7)`.
 */
import type { TopologyGraph } from '../../topology/index.js';

/** One direction of one link as the incident evaluator needs it: the topology's link plus node names. */
export interface IncidentLink {
  key: string;
  from: string;
  to: string;
  /** What people call the nodes; the ids when absent. */
  fromName?: string;
  toName?: string;
  localAddress?: string;
  neighborAddress?: string;
}

/** A link group of the cover plan: members the plan cannot tell apart, one subject for incidents. */
export interface IncidentGroup {
  id: string;
  linkKeys: readonly string[];
  /** Members as people say them (`dev1→R1`); built from the topology when empty. */
  labels?: readonly string[];
}

const linksByGraph = new WeakMap<TopologyGraph, { version: number; links: readonly IncidentLink[] }>();

/**
 * The directed links of a topology graph, with node names, as the evaluator takes them each round. The
 * same array comes back while the graph's version is unchanged, so the evaluator's index of it is reused;
 * treat it as read-only.
 */
export function incidentLinks(topology: TopologyGraph): readonly IncidentLink[] {
  const cached = linksByGraph.get(topology);
  if (cached !== undefined && cached.version === topology.version) return cached.links;
  const links = Object.freeze(buildIncidentLinks(topology));
  linksByGraph.set(topology, { version: topology.version, links });
  return links;
}

function buildIncidentLinks(topology: TopologyGraph): IncidentLink[] {
  const nameOf = (id: string) => (topology.graph.hasNode(id) ? topology.node(id).name : id);
  return topology.links().map((link) => ({
    key: link.key,
    from: link.from,
    to: link.to,
    fromName: nameOf(link.from),
    toName: nameOf(link.to),
    ...(link.localAddress === undefined ? {} : { localAddress: link.localAddress }),
    ...(link.neighborAddress === undefined ? {} : { neighborAddress: link.neighborAddress }),
  }));
}

/** `link:` + the directed keys sorted and joined by `,`: one subject per physical link. */
export function linkSubjectKey(linkKeys: readonly string[]): string {
  return `link:${[...linkKeys].sort().join(',')}`;
}

export function groupSubjectKey(groupId: string): string {
  return `group:${groupId}`;
}

/** One physical link: its directed keys (one or two), sorted, and its subject key. */
export interface PhysicalLink {
  subjectKey: string;
  linkKeys: string[];
}

/**
 * The topology of one round, indexed for the evaluator: directed links, their pairs, their labels.
 * Pairs and parallel counts are worked out on demand, per key asked about, because a round touches only
 * the few links that breach while the topology may hold 100k.
 */
export class LinkSubjects {
  readonly #byKey = new Map<string, IncidentLink>();
  readonly #physical = new Map<string, PhysicalLink>();
  /** Directed links per ordered node pair (`from\nto`), built on first need. */
  #byNodes: Map<string, IncidentLink[]> | null = null;

  constructor(links: readonly IncidentLink[]) {
    for (const link of links) this.#byKey.set(link.key, link);
  }

  has(key: string): boolean {
    return this.#byKey.has(key);
  }

  link(key: string): IncidentLink | undefined {
    return this.#byKey.get(key);
  }

  /** The physical link a directed key belongs to; undefined when the topology does not have the key. */
  physicalOf(key: string): PhysicalLink | undefined {
    const known = this.#physical.get(key);
    if (known !== undefined) return known;
    const link = this.#byKey.get(key);
    if (link === undefined) return undefined;
    const reverse = this.#reverseOf(link);
    const physical: PhysicalLink = { subjectKey: linkSubjectKey(reverse === null ? [key] : [key, reverse.key]), linkKeys: reverse === null ? [key] : [key, reverse.key].sort() };
    for (const member of physical.linkKeys) this.#physical.set(member, physical);
    return physical;
  }

  /**
   * `R4→R6` for one direction, `R4↔R6` for both (named from `orientation`'s end), with the address when
   * parallel links join the same nodes. Keys the topology no longer has are named from the key itself.
   */
  label(keys: readonly string[], orientation: string = keys[0]!): string {
    const link = this.#byKey.get(orientation) ?? linkFromKey(orientation);
    const from = link.fromName ?? link.from;
    const to = link.toName ?? link.to;
    const parallel = this.#between(link.from, link.to).length > 1 || this.#between(link.to, link.from).length > 1;
    if (keys.length > 1) {
      const ends = [link.localAddress, link.neighborAddress].filter((a): a is string => a !== undefined && a !== '');
      return `${from}↔${to}${parallel && ends.length > 0 ? ` (${ends.join('–')})` : ''}`;
    }
    const address = link.neighborAddress ?? '';
    return `${from}→${to}${parallel && address !== '' ? ` (${address})` : ''}`;
  }

  /** A group's label: `dev1↔R1` when it is both directions of one link, else its members' labels. */
  groupLabel(group: IncidentGroup): string {
    const keys = [...group.linkKeys];
    const physical = keys.length === 2 ? this.physicalOf(keys[0]!) : undefined;
    if (physical !== undefined && physical.linkKeys.length === 2 && physical.linkKeys.includes(keys[1]!)) return this.label(keys, keys[0]!);
    const labels = group.labels !== undefined && group.labels.length > 0 ? [...group.labels] : keys.map((key) => this.label([key]));
    return labels.join(', ');
  }

  /**
   * The other direction: the link whose key swaps this one's ends; else, for sources that numbered the
   * two ends differently, the only link back when this is the only link forth.
   */
  #reverseOf(link: IncidentLink): IncidentLink | null {
    const byKey = this.#byKey.get(reverseKey(link.key));
    if (byKey !== undefined && byKey.key !== link.key) return byKey;
    if (link.from === link.to) return null;
    const forth = this.#between(link.from, link.to);
    const back = this.#between(link.to, link.from);
    if (forth.length !== 1 || back.length !== 1) return null;
    // That link back must not have a reverse of its own by key (it would be paired with that one).
    return this.#byKey.has(reverseKey(back[0]!.key)) ? null : back[0]!;
  }

  #between(from: string, to: string): IncidentLink[] {
    if (this.#byNodes === null) {
      this.#byNodes = new Map();
      for (const link of this.#byKey.values()) {
        const pair = `${link.from}\n${link.to}`;
        const list = this.#byNodes.get(pair);
        if (list === undefined) this.#byNodes.set(pair, [link]);
        else list.push(link);
      }
    }
    return this.#byNodes.get(`${from}\n${to}`) ?? [];
  }
}

/** `to|from|neighbor|local` for `from|to|local|neighbor`; the key itself when it is not in that form. */
export function reverseKey(key: string): string {
  const parts = key.split('|');
  if (parts.length !== 4) return key;
  return [parts[1], parts[0], parts[3], parts[2]].join('|');
}

/** A withdrawn link is named from its key: `from|to|local|neighbor`. */
function linkFromKey(key: string): IncidentLink {
  const [from = key, to = '?', local = '', neighbor = ''] = key.split('|');
  return { key, from, to, ...(local === '' ? {} : { localAddress: local }), ...(neighbor === '' ? {} : { neighborAddress: neighbor }) };
}
