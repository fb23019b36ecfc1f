/**
 * Shortest routes out of and back to the prober, the two trees every candidate walk is cut from: a
 * breadth-first tree from the prober gives `P ⇝ u` for every node, one on the
 * reversed graph gives `v ⇝ P`, so the shortest walk across link u→v is `P ⇝ u, u→v, v ⇝ P` and its
 * length `distFrom[u] + 1 + distTo[v]` decides whether the link fits in maxHops at all.
 *
 * `RouteSearch` answers the same questions with one link forbidden, which is how the planner decides
 * exactly whether two links can be told apart: a walk crossing `a` but not `b` exists within the budget
 * iff `P ⇝ from(a)` and `to(a) ⇝ P` exist in the graph without `b` and their lengths fit. Walks may
 * revisit nodes and links, so shortest routes are all that matter.
 */
import type { CoverGraph } from './cover-graph.js';

/** Distance of a node that cannot be reached. */
export const UNREACHED = 0x3fffffff;

export interface ProberReach {
  /** Legs from the prober to each node; 0 for the prober. */
  distFrom: Int32Array;
  /** Last link of a shortest route prober ⇝ node, -1 for the prober and unreached nodes. */
  parentLink: Int32Array;
  /** Legs from each node back to the prober; 0 for the prober. */
  distTo: Int32Array;
  /** First link of a shortest route node ⇝ prober, -1 for the prober and nodes with no way back. */
  nextLink: Int32Array;
}

export function proberReach(cover: CoverGraph): ProberReach {
  const n = cover.nodeIds.length;
  const distFrom = new Int32Array(n).fill(UNREACHED);
  const parentLink = new Int32Array(n).fill(-1);
  const distTo = new Int32Array(n).fill(UNREACHED);
  const nextLink = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  const P = cover.prober;

  distFrom[P] = 0;
  let head = 0;
  let tail = 0;
  queue[tail++] = P;
  while (head < tail) {
    const x = queue[head++]!;
    for (let i = cover.outStart[x]!; i < cover.outStart[x + 1]!; i++) {
      const link = cover.outLinks[i]!;
      const y = cover.to[link]!;
      // Arriving at the prober ends a walk: it is never a waypoint.
      if (y === P || distFrom[y] !== UNREACHED) continue;
      distFrom[y] = distFrom[x]! + 1;
      parentLink[y] = link;
      queue[tail++] = y;
    }
  }

  distTo[P] = 0;
  head = 0;
  tail = 0;
  queue[tail++] = P;
  while (head < tail) {
    const y = queue[head++]!;
    for (let i = cover.inStart[y]!; i < cover.inStart[y + 1]!; i++) {
      const link = cover.inLinks[i]!;
      const x = cover.from[link]!;
      if (x === P || distTo[x] !== UNREACHED) continue;
      distTo[x] = distTo[y]! + 1;
      nextLink[x] = link;
      queue[tail++] = x;
    }
  }
  return { distFrom, parentLink, distTo, nextLink };
}

/** The tree route prober ⇝ node, as links in order (empty for the prober itself). */
export function routeFromProber(reach: ProberReach, cover: CoverGraph, node: number, into: number[]): void {
  const start = into.length;
  for (let x = node; x !== cover.prober; x = cover.from[reach.parentLink[x]!]!) into.push(reach.parentLink[x]!);
  // Collected backwards from the node; put this stretch in walking order.
  for (let i = start, j = into.length - 1; i < j; i++, j--) [into[i], into[j]] = [into[j]!, into[i]!];
}

/** The tree route node ⇝ prober, appended in order. */
export function routeToProber(reach: ProberReach, cover: CoverGraph, node: number, into: number[]): void {
  for (let x = node; x !== cover.prober; x = cover.to[reach.nextLink[x]!]!) into.push(reach.nextLink[x]!);
}

/**
 * Breadth-first searches with one link forbidden and a leg budget, on scratch arrays reused across
 * calls (a visit stamp instead of clearing), because group detection runs one per pair it must decide.
 */
export class RouteSearch {
  private readonly seen: Int32Array;
  private readonly via: Int32Array;
  private readonly depth: Int32Array;
  private readonly queue: Int32Array;
  private stamp = 0;

  constructor(private readonly cover: CoverGraph) {
    const n = cover.nodeIds.length;
    this.seen = new Int32Array(n);
    this.via = new Int32Array(n);
    this.depth = new Int32Array(n);
    this.queue = new Int32Array(n);
  }

  /** A shortest route prober ⇝ node avoiding `forbidden` within `maxLegs`, or null. */
  fromProber(node: number, forbidden: number, maxLegs: number): number[] | null {
    const { cover } = this;
    const P = cover.prober;
    if (node === P) return [];
    const s = this.next();
    let head = 0;
    let tail = 0;
    this.seen[P] = s;
    this.depth[P] = 0;
    this.queue[tail++] = P;
    while (head < tail) {
      const x = this.queue[head++]!;
      if (this.depth[x]! >= maxLegs) break;
      for (let i = cover.outStart[x]!; i < cover.outStart[x + 1]!; i++) {
        const link = cover.outLinks[i]!;
        const y = cover.to[link]!;
        if (link === forbidden || y === P || this.seen[y] === s) continue;
        this.seen[y] = s;
        this.depth[y] = this.depth[x]! + 1;
        this.via[y] = link;
        if (y === node) return this.trace(P, node);
        this.queue[tail++] = y;
      }
    }
    return null;
  }

  /** A shortest route node ⇝ prober avoiding `forbidden` within `maxLegs`, or null. */
  toProber(node: number, forbidden: number, maxLegs: number): number[] | null {
    const { cover } = this;
    const P = cover.prober;
    if (node === P) return [];
    const s = this.next();
    let head = 0;
    let tail = 0;
    this.seen[node] = s;
    this.depth[node] = 0;
    this.queue[tail++] = node;
    while (head < tail) {
      const x = this.queue[head++]!;
      if (this.depth[x]! >= maxLegs) break;
      for (let i = cover.outStart[x]!; i < cover.outStart[x + 1]!; i++) {
        const link = cover.outLinks[i]!;
        const y = cover.to[link]!;
        if (link === forbidden || this.seen[y] === s) continue;
        this.seen[y] = s;
        this.depth[y] = this.depth[x]! + 1;
        this.via[y] = link;
        if (y === P) return this.trace(node, P);
        this.queue[tail++] = y;
      }
    }
    return null;
  }

  /** The route start ⇝ end the last search found, following `via` back from the end. */
  private trace(start: number, end: number): number[] {
    const route: number[] = [];
    for (let x = end; x !== start; x = this.cover.from[this.via[x]!]!) route.push(this.via[x]!);
    return route.reverse();
  }

  private next(): number {
    if (this.stamp === 0x7fffffff) {
      this.seen.fill(0);
      this.stamp = 0;
    }
    return ++this.stamp;
  }
}
