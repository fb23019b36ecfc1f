/**
 * Every simple path from one node to another within a hop bound, as groups of parallel links.
 *
 * graphology-simple-path walks every partial path up to the depth bound, including the many that can
 * no longer reach the target in the hops left; on a k=16 fat-tree that made it slower than NetworkX.
 * This search first computes each node's hop distance to the target (one breadth-first pass over
 * incoming links) and never enters a node from which the target is out of reach, so it only walks
 * partial paths that can still complete. Adjacency is built once per call as integer arrays, and
 * visited nodes are flags, not a set of names. The output has graphology-simple-path's edge-group
 * shape, and the tests check both give the same paths.
 *
 * Hosts forward nothing: they can end a path, never carry one.
 */
import type { LinkGraph } from './graph.js';

export interface SimplePathOptions {
  maxHops: number;
  /** May a path pass through this node? (The endpoints always may.) */
  isTransit: (node: string) => boolean;
}

/** Each path is a list of hops; each hop is the keys of the parallel links it can take. */
export function allSimpleLinkGroupPaths(graph: LinkGraph, source: string, target: string, options: SimplePathOptions): string[][][] {
  const ids = graph.nodes();
  const index = new Map(ids.map((id, i) => [id, i]));
  const from = index.get(source)!;
  const to = index.get(target)!;
  const transit = Uint8Array.from(ids, (id, i) => (i === from || i === to || options.isTransit(id) ? 1 : 0));

  // Out-neighbours with the parallel links to each, and in-neighbours for the distance pass.
  const outNeighbors: number[][] = ids.map(() => []);
  const outGroups: string[][][] = ids.map(() => []);
  const inNeighbors: number[][] = ids.map(() => []);
  ids.forEach((id, u) => {
    const groupOf = new Map<number, string[]>();
    graph.forEachOutEdge(id, (edge, _attributes, _source, targetId) => {
      const v = index.get(targetId)!;
      let group = groupOf.get(v);
      if (!group) {
        groupOf.set(v, (group = []));
        outNeighbors[u]!.push(v);
        outGroups[u]!.push(group);
        inNeighbors[v]!.push(u);
      }
      group.push(edge);
    });
  });

  const distanceToTarget = hopsToTarget(inNeighbors, transit, to);
  const paths: string[][][] = [];
  if (distanceToTarget[from]! > options.maxHops) return paths;

  // Flattened adjacency (compressed sparse rows): the walk below reads it millions of times on a large fabric.
  const firstOut = new Int32Array(ids.length + 1);
  outNeighbors.forEach((neighbors, u) => (firstOut[u + 1] = firstOut[u]! + neighbors.length));
  const neighborAt = Int32Array.from(outNeighbors.flat());
  const groupAt = outGroups.flat();

  const visited = new Uint8Array(ids.length);
  const nodeStack = new Int32Array(options.maxHops + 1);
  const cursorStack = new Int32Array(options.maxHops + 1);
  const groupStack: string[][] = [];
  let depth = 0;
  nodeStack[0] = from;
  cursorStack[0] = firstOut[from]!;
  visited[from] = 1;
  while (depth >= 0) {
    const u = nodeStack[depth]!;
    const cursor = cursorStack[depth]!;
    if (cursor === firstOut[u + 1]) {
      visited[u] = 0;
      if (--depth < 0) break;
      groupStack.length = depth;
      continue;
    }
    cursorStack[depth] = cursor + 1;
    const v = neighborAt[cursor]!;
    if (visited[v]) continue;
    if (v === to) {
      const path = groupStack.slice(0, depth);
      path.push(groupAt[cursor]!);
      paths.push(path);
      continue;
    }
    if (!transit[v] || depth + 1 + distanceToTarget[v]! > options.maxHops) continue;
    visited[v] = 1;
    groupStack[depth] = groupAt[cursor]!;
    depth++;
    nodeStack[depth] = v;
    cursorStack[depth] = firstOut[v]!;
  }
  return paths;
}

/** Hop distance from every node to the target over transit nodes; unreachable is Infinity. */
function hopsToTarget(inNeighbors: number[][], transit: Uint8Array, target: number): Float64Array {
  const distance = new Float64Array(inNeighbors.length).fill(Infinity);
  distance[target] = 0;
  const queue = [target];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head]!;
    for (const u of inNeighbors[v]!) {
      // A non-transit node may start a path (the source) but a path may not run through it.
      if (distance[u] !== Infinity) continue;
      distance[u] = distance[v]! + 1;
      if (transit[u]) queue.push(u);
    }
  }
  return distance;
}
