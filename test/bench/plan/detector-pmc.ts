/**
 * The peer: deTector's probe-matrix construction (PMC; Peng et al., USENIX ATC'17), implemented here
 * from the paper's description and its published controller (consprobmat.py), for one prober.
 *
 * deTector picks probe paths from a fixed candidate set: the ECMP shortest paths between servers, each
 * probed out and back along the same links (what pathmon calls loop mode; deTector's pingers and
 * responders work that way). Links are undirected. The greedy has two phases, both lazy with a
 * version stamp (the number of paths chosen when a score was computed):
 * 1. identifiability: score = −(signature classes the path splits) + coef × Σ (times its links are
 *    already covered); take the lowest until every link is alone in its class or no path splits any;
 * 2. coverage: score = Σ (times its links are covered); take the lowest until every link is covered
 *    α times.
 * Two changes, both in the peer's favour: a link's count enters the sums capped at α (uncapped, the
 * prober's access link, on every path, makes every stale score wrong after every pick, and the lazy
 * greedy re-scores nearly every candidate each time: 33 s at k=16, hours at k=32); and phase 2 skips
 * paths that cover no link still short (the published code can take them).
 *
 * With one prober the candidates are the shortest paths from the prober to every router (more than
 * deTector would have: it stops at servers; pathmon's GRE lets a probe turn at any router). Their
 * directed signatures are evaluated by the same code as pathmon's walks: out-and-back paths cross both
 * directions of every link together, so no direction can be told from the other.
 */
import type { TopologyGraph } from '../../../topology/index.js';

export interface PmcResult {
  /** Chosen paths, as directed link keys crossed (out, then back). */
  probes: string[][];
  /** Undirected links (pairs of directions) the candidates touch. */
  undirectedLinks: number;
  /** Undirected links alone in their class, by deTector's own measure. */
  undirectedIdentifiable: number;
  candidates: number;
  seconds: number;
  /** False when the time budget ran out before the greedy finished. */
  finished: boolean;
}

export const PMC_COEF = 0.01;

export function detectorPmc(topology: TopologyGraph, prober: string, coverage: number, pathsPerDestination = 256, budgetSeconds = 60): PmcResult {
  const started = performance.now();
  const { candidates, undirected, linkCount } = candidatePaths(topology, prober, pathsPerDestination);
  const { chosen, finished } = pmcGreedy(candidates, linkCount, coverage, started + budgetSeconds * 1000);
  const classes = new Map<string, number>();
  const signature: number[][] = Array.from({ length: linkCount }, () => []);
  chosen.forEach((path, i) => {
    for (const link of new Set(candidates[path]!)) signature[link]!.push(i);
  });
  for (const sig of signature) classes.set(sig.join(','), (classes.get(sig.join(',')) ?? 0) + 1);
  const undirectedIdentifiable = signature.filter((sig) => sig.length > 0 && classes.get(sig.join(',')) === 1).length;
  const probes = chosen.map((path) => {
    const out = candidates[path]!.map((link) => undirected[link]!);
    return [...out.map((pair) => pair[0]), ...[...out].reverse().map((pair) => pair[1])];
  });
  return { probes, undirectedLinks: linkCount, undirectedIdentifiable, candidates: candidates.length, seconds: (performance.now() - started) / 1000, finished };
}

/**
 * Shortest paths from the prober to every router (up to `cap` per router), as undirected link
 * numbers; each undirected link is the pair [forward key, reverse key].
 */
function candidatePaths(topology: TopologyGraph, prober: string, cap: number): { candidates: number[][]; undirected: [string, string][]; linkCount: number } {
  const graph = topology.graph;
  const undirected: [string, string][] = [];
  const undirectedOf = new Map<string, number>();
  const numberOf = (key: string): number => {
    let n = undirectedOf.get(key);
    if (n !== undefined) return n;
    const link = graph.getEdgeAttributes(key);
    const back = topology.linksBetween(link.to, link.from).find((r) => r.localAddress === link.neighborAddress) ?? topology.linksBetween(link.to, link.from)[0];
    n = undirected.length;
    undirected.push([key, back?.key ?? key]);
    undirectedOf.set(key, n);
    if (back) undirectedOf.set(back.key, n);
    return n;
  };
  // BFS from the prober through routers; parents are every in-link on a shortest route.
  const dist = new Map<string, number>([[prober, 0]]);
  const parents = new Map<string, string[]>();
  const order: string[] = [prober];
  for (let i = 0; i < order.length; i++) {
    const x = order[i]!;
    if (x !== prober && graph.getNodeAttribute(x, 'kind') !== 'router') continue;
    graph.forEachOutEdge(x, (key, link) => {
      const y = link.to;
      if (graph.getNodeAttribute(y, 'kind') !== 'router') return;
      const d = dist.get(y);
      if (d === undefined) {
        dist.set(y, dist.get(x)! + 1);
        parents.set(y, [key]);
        order.push(y);
      } else if (d === dist.get(x)! + 1) parents.get(y)!.push(key);
    });
  }
  const candidates: number[][] = [];
  for (const target of order.slice(1)) {
    let found = 0;
    const stack: number[] = [];
    const back = (node: string): void => {
      if (found >= cap) return;
      if (node === prober) {
        candidates.push([...stack].reverse());
        found++;
        return;
      }
      for (const key of parents.get(node) ?? []) {
        stack.push(numberOf(key));
        back(graph.source(key));
        stack.pop();
      }
    };
    back(target);
  }
  return { candidates, undirected, linkCount: undirected.length };
}

/** deTector's two-phase lazy greedy over candidate paths (arrays of link numbers). */
function pmcGreedy(paths: number[][], links: number, alpha: number, deadline: number): { chosen: number[]; finished: boolean } {
  const covered = new Int32Array(links);
  const classOf = new Int32Array(links);
  const classSize = new Int32Array(links + 1);
  classSize[0] = links;
  let classes = 1;
  const chosen: number[] = [];
  const taken = new Uint8Array(paths.length);
  const touched = new Map<number, number>();

  const splits = (path: number[]): number => {
    touched.clear();
    for (const link of path) touched.set(classOf[link]!, (touched.get(classOf[link]!) ?? 0) + 1);
    let n = 0;
    for (const [c, count] of touched) if (count < classSize[c]!) n++;
    return n;
  };
  const coverSum = (path: number[]): number => path.reduce((sum, link) => sum + Math.min(alpha, covered[link]!), 0);
  let short = links;
  const take = (path: number): void => {
    chosen.push(path);
    taken[path] = 1;
    const crossed = paths[path]!;
    for (const link of crossed) if (++covered[link]! === alpha) short--;
    touched.clear();
    for (const link of crossed) touched.set(classOf[link]!, (touched.get(classOf[link]!) ?? 0) + 1);
    const into = new Map<number, number>();
    for (const [c, count] of touched) if (count < classSize[c]!) into.set(c, classes++);
    for (const link of crossed) {
      const to = into.get(classOf[link]!);
      if (to === undefined) continue;
      classSize[classOf[link]!]!--;
      classOf[link] = to;
      classSize[to]!++;
    }
  };

  // Phase 1: identifiability. A min-heap on (score, path), version = paths chosen when scored.
  const heap = new MinHeap();
  paths.forEach((_path, i) => heap.push(-1, i, -1));
  let finished = true;
  const late = (): boolean => {
    if (performance.now() <= deadline) return false;
    finished = false;
    return true;
  };
  while (heap.size > 0 && classes < links && !late()) {
    let entry = heap.pop();
    while (entry.version !== chosen.length) {
      const path = paths[entry.item]!;
      heap.push(-splits(path) + PMC_COEF * coverSum(path), entry.item, chosen.length);
      entry = heap.pop();
    }
    if (splits(paths[entry.item]!) === 0) break;
    take(entry.item);
  }
  // Phase 2: coverage.
  const coverHeap = new MinHeap();
  paths.forEach((path, i) => {
    if (!taken[i]) coverHeap.push(coverSum(path), i, chosen.length);
  });
  while (coverHeap.size > 0 && short > 0 && !late()) {
    let entry = coverHeap.pop();
    while (entry.version !== chosen.length && coverHeap.size > 0) {
      coverHeap.push(coverSum(paths[entry.item]!), entry.item, chosen.length);
      entry = coverHeap.pop();
    }
    if (!paths[entry.item]!.some((link) => covered[link]! < alpha)) continue;
    take(entry.item);
  }
  return { chosen, finished };
}

/** A plain binary min-heap of {score, item, version}; ties pop the smaller item. */
class MinHeap {
  private entries: { score: number; item: number; version: number }[] = [];
  get size(): number {
    return this.entries.length;
  }
  push(score: number, item: number, version: number): void {
    const e = this.entries;
    e.push({ score, item, version });
    let i = e.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(e[i]!, e[p]!)) break;
      [e[i], e[p]] = [e[p]!, e[i]!];
      i = p;
    }
  }
  pop(): { score: number; item: number; version: number } {
    const e = this.entries;
    const top = e[0]!;
    const last = e.pop()!;
    if (e.length > 0) {
      e[0] = last;
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= e.length) break;
        if (c + 1 < e.length && less(e[c + 1]!, e[c]!)) c++;
        if (!less(e[c]!, e[i]!)) break;
        [e[i], e[c]] = [e[c]!, e[i]!];
        i = c;
      }
    }
    return top;
  }
}

function less(a: { score: number; item: number }, b: { score: number; item: number }): boolean {
  return a.score < b.score || (a.score === b.score && a.item < b.item);
}
