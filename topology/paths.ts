/**
 * Every simple path between two endpoints, as sequences of directed links.
 *
 * Enumeration is graphology-simple-path's edge-group search: it walks node sequences once and hands
 * back, per hop, the group of parallel links, so two parallel links make two distinct paths without the
 * search itself doubling. Bounds matter because path counts grow exponentially with size: `maxHops`
 * cuts the search depth, `maxPaths` cuts the expansion, and paths are returned shortest first so a
 * truncated answer keeps the ones an engineer cares about most.
 */
import { createHash } from 'node:crypto';
import { allSimpleEdgeGroupPaths } from 'graphology-simple-path';
import { bidirectional } from 'graphology-shortest-path/unweighted.js';
import type { TopologyLink } from './model.js';
import type { TopologyGraph } from './graph.js';
import { TopologyError } from './errors.js';

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
  const groupPaths = allSimpleEdgeGroupPaths(graph, source, target, { maxDepth: maxHops })
    // Hosts do not forward: a path that crosses one in the middle is not a path packets can take.
    .filter((groups) => groups.slice(0, -1).every((group) => graph.getNodeAttributes(graph.target(group[0]!)).kind !== 'host'));

  if (groupPaths.length === 0) throw noPathError(topology, source, target, maxHops);

  groupPaths.sort((a, b) => a.length - b.length);
  const totalWithinHops = groupPaths.reduce((sum, groups) => sum + groups.reduce((n, group) => n * group.length, 1), 0);
  const paths: ProbePath[] = [];
  for (const groups of groupPaths) {
    for (const edgeKeys of expandGroups(groups, maxPaths - paths.length)) {
      paths.push(probePath(topology, edgeKeys));
    }
    if (paths.length >= maxPaths) break;
  }
  return { paths, totalWithinHops };
}

/** A path made of given links (in order); used for re-planning and for paths stored in history. */
export function probePath(topology: TopologyGraph, linkKeys: string[]): ProbePath {
  const links = linkKeys.map((key) => topology.graph.getEdgeAttributes(key));
  const nodes = [links[0]!.from, ...links.map((link) => link.to)];
  return {
    id: pathId(links),
    nodes,
    names: nodes.map((id) => topology.node(id).name),
    links,
  };
}

export function pathId(links: TopologyLink[]): string {
  return createHash('sha256')
    .update(links.map((link) => link.key).join('\n'))
    .digest('hex')
    .slice(0, 12);
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
  return new TopologyError(
    'no-path',
    `topology.allProbePaths: no path from ${names} within maxHops ${maxHops}; the shortest has ${shortest.length - 1} hops`,
  );
}
