/**
 * How many simple paths a path monitor would probe from the prober to every other host within a hop
 * bound, counted without building them (a depth-first search that only counts), because on a large
 * fabric they are far too many to hold. Hosts forward nothing: they end paths, never carry them.
 *
 * The count grows exponentially with the bound, so it is raised one hop at a time from the shortest
 * host distance while a visit budget lasts; the result says up to which bound it is exact, and is a
 * lower bound for any larger one (maxHops 16, say).
 */
import type { TopologyGraph } from '../../../topology/index.js';

export interface PathCount {
  /** Simple prober-to-host paths of at most `withinHops` links. */
  paths: number;
  withinHops: number;
  /** True when `withinHops` reached the bound asked for; else `paths` is a lower bound for it. */
  complete: boolean;
}

export function countHostPaths(topology: TopologyGraph, prober: string, hosts: string[], maxHops: number, visitBudget: number): PathCount {
  const graph = topology.graph;
  const ids = graph.nodes();
  const index = new Map(ids.map((id, i) => [id, i]));
  const isHost = Uint8Array.from(ids, (id) => (graph.getNodeAttribute(id, 'kind') === 'host' ? 1 : 0));
  const isTarget = new Uint8Array(ids.length);
  for (const host of hosts) isTarget[index.get(host)!] = 1;
  const out: number[][] = ids.map((id) => graph.outNeighbors(id).flatMap((n) => graph.outEdges(id, n).map(() => index.get(n)!)));
  const start = index.get(prober)!;
  const visited = new Uint8Array(ids.length);

  let best: PathCount = { paths: 0, withinHops: 0, complete: false };
  for (let hops = 1; hops <= maxHops; hops++) {
    let visits = 0;
    let paths = 0;
    const walk = (x: number, depth: number): boolean => {
      if (++visits > visitBudget) return false;
      for (const y of out[x]!) {
        if (visited[y]) continue;
        if (isTarget[y]) {
          paths++;
          continue;
        }
        if (isHost[y] || depth + 1 >= hops) continue;
        visited[y] = 1;
        const finished = walk(y, depth + 1);
        visited[y] = 0;
        if (!finished) return false;
      }
      return true;
    };
    visited[start] = 1;
    const finished = walk(start, 0);
    visited[start] = 0;
    if (!finished) break;
    best = { paths, withinHops: hops, complete: hops === maxHops };
  }
  return best;
}
