/**
 * Every simple path between two endpoints, as sequences of directed links.
 *
 * Enumeration walks node sequences once and hands back, per hop, the group of parallel links, so two
 * parallel links make two distinct paths without the search itself doubling (simple-paths.ts has the
 * search and why it is not graphology-simple-path's). Bounds matter because path counts grow exponentially with size: `maxHops`
 * cuts the search depth, `maxPaths` cuts the expansion, and paths are returned shortest first so a
 * truncated answer keeps the ones an engineer cares about most.
 */
import { hash } from 'node:crypto';
import { bidirectional } from 'graphology-shortest-path/unweighted.js';
import type { TopologyLink } from './model.js';
import type { TopologyGraph } from './graph.js';
import { TopologyError } from './errors.js';
import { allSimpleLinkGroupPaths } from './simple-paths.js';

export interface PathBounds {
  /** Most links a path may cross (the prober's and the endpoint's own links included). */
  maxHops?: number;
  /** Most paths returned; the shortest are kept. */
  maxPaths?: number;
}

export const defaultPathBounds = { maxHops: 16, maxPaths: 1000 } as const;

export interface ProbePath {
  /** Stable across runs and restarts: a digest of the link keys crossed. */
  id: string;
  /** Node ids from the prober to the endpoint, both included. */
  nodes: string[];
  /** Node names, in the same order: what tables and tickets show. */
  names: string[];
  links: TopologyLink[];
}

export interface PathSet {
  paths: ProbePath[];
  /** How many paths exist within maxHops; more than `paths.length` when maxPaths cut the list. */
  totalWithinHops: number;
}

export function allProbePaths(topology: TopologyGraph, from: string, to: string, bounds: PathBounds = {}): PathSet {
  const maxHops = checkedBound('maxHops', bounds.maxHops ?? defaultPathBounds.maxHops);
  const maxPaths = checkedBound('maxPaths', bounds.maxPaths ?? defaultPathBounds.maxPaths);
  const source = topology.resolveNode(from);
  const target = topology.resolveNode(to);
  if (source === target) {
    throw new TopologyError('no-path', `topology.allProbePaths: from and to are the same node (${from}); expected two different endpoints`);
  }
  const graph = topology.graph;
  // Hosts do not forward: a path that crosses one in the middle is not a path packets can take.
  const groupPaths = allSimpleLinkGroupPaths(graph, source, target, {
    maxHops,
    isTransit: (node) => graph.getNodeAttribute(node, 'kind') !== 'host',
  });

  if (groupPaths.length === 0) throw noPathError(topology, source, target, maxHops);

  groupPaths.sort((a, b) => a.length - b.length);
  const totalWithinHops = groupPaths.reduce((sum, groups) => sum + groups.reduce((n, group) => n * group.length, 1), 0);
  const build = pathBuilder(topology);
  const paths: ProbePath[] = [];
  for (const groups of groupPaths) {
    if (groups.every((group) => group.length === 1)) paths.push(build(groups.map((group) => group[0]!)));
    else for (const edgeKeys of expandGroups(groups, maxPaths - paths.length)) paths.push(build(edgeKeys));
    if (paths.length >= maxPaths) break;
  }
  return { paths, totalWithinHops };
}

/** A path made of given links (in order); used for re-planning and for paths stored in history. */
export function probePath(topology: TopologyGraph, linkKeys: string[]): ProbePath {
  return pathBuilder(topology)(linkKeys);
}

/**
 * Builds paths with the graph lookups cached for one enumeration: a fat-tree answer holds tens of
 * thousands of paths over a few hundred links and nodes.
 */
function pathBuilder(topology: TopologyGraph): (linkKeys: string[]) => ProbePath {
  const links = new Map<string, TopologyLink>();
  const names = new Map<string, string>();
  const linkOf = (key: string) => links.get(key) ?? links.set(key, topology.graph.getEdgeAttributes(key)).get(key)!;
  const nameOf = (id: string) => names.get(id) ?? names.set(id, topology.node(id).name).get(id)!;
  return (linkKeys) => {
    const pathLinks = linkKeys.map(linkOf);
    const nodes = [pathLinks[0]!.from, ...pathLinks.map((link) => link.to)];
    return new LinkPath(nodes, nodes.map(nameOf), pathLinks);
  };
}

/** A ProbePath whose id (a digest) is computed the first time someone asks for it. */
class LinkPath implements ProbePath {
  private digest: string | undefined;
  constructor(
    readonly nodes: string[],
    readonly names: string[],
    readonly links: TopologyLink[],
  ) {}

  get id(): string {
    return (this.digest ??= pathId(this.links));
  }
}

export function pathId(links: TopologyLink[]): string {
  return hash('sha256', links.map((link) => link.key).join('\n'), 'hex').slice(0, 12);
}

function* expandGroups(groups: string[][], limit: number): Generator<string[]> {
  if (limit <= 0) return;
  const choice = groups.map(() => 0);
  for (let produced = 0; produced < limit; produced++) {
    yield groups.map((group, i) => group[choice[i]!]!);
    let i = groups.length - 1;
    while (i >= 0 && ++choice[i]! === groups[i]!.length) choice[i--] = 0;
    if (i < 0) return;
  }
}

function checkedBound(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new TopologyError('invalid-option', `topology.allProbePaths: ${name} must be a whole number of at least 1, got ${value}`);
  }
  return value;
}

function noPathError(topology: TopologyGraph, source: string, target: string, maxHops: number): TopologyError {
  const shortest = bidirectional(topology.graph, source, target);
  const names = `${topology.node(source).name} to ${topology.node(target).name}`;
  if (!shortest) {
    return new TopologyError('no-path', `topology.allProbePaths: no path from ${names}: they are not connected in the topology`);
  }
  return new TopologyError('no-path', `topology.allProbePaths: no path from ${names} within maxHops ${maxHops}; the shortest has ${shortest.length - 1} hops`);
}
