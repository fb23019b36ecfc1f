/**
 * More walks across one link, for the links the greedy left under their coverage target: every walk
 * there is `P ⇝ u, u→v, v ⇝ P`, so the other walks are the other ways out and the other ways back
 * (parallel links, longer routes, a there-and-back at the far end, which is all a chain's far end
 * has). Routes are enumerated depth-first with the shortest-route distances as the pruning bound, and
 * capped: this runs for a handful of links where the budget leaves few ways, not for every link.
 */
import type { CoverGraph } from './cover-graph.js';
import type { ProberReach } from './prober-reach.js';

/** Most routes out, and back, tried per link. */
const ROUTES_CAP = 24;

export interface AlternativeWalks {
  /** Walks across the link within maxHops, shortest parts first. */
  walks: number[][];
  /** True when these are all the walks across it within maxHops (no cap was hit). */
  exhaustive: boolean;
}

export function alternativeWalks(cover: CoverGraph, reach: ProberReach, link: number, maxHops: number): AlternativeWalks {
  const u = cover.from[link]!;
  const v = cover.to[link]!;
  const outs = routesOut(cover, reach, u, maxHops - 1 - reach.distTo[v]!).sort((a, b) => a.length - b.length);
  const backs = routesBack(cover, reach, v, maxHops - 1 - reach.distFrom[u]!).sort((a, b) => a.length - b.length);
  const walks: number[][] = [];
  for (const out of outs) {
    for (const back of backs) if (out.length + 1 + back.length <= maxHops) walks.push([...out, link, ...back]);
  }
  return { walks, exhaustive: outs.length < ROUTES_CAP && backs.length < ROUTES_CAP };
}

/** Routes prober ⇝ node of at most `legs` links, found backwards from the node. */
function routesOut(cover: CoverGraph, reach: ProberReach, node: number, legs: number): number[][] {
  const found: number[][] = [];
  const stack: number[] = [];
  const visit = (x: number, left: number): void => {
    if (found.length >= ROUTES_CAP) return;
    if (x === cover.prober) {
      found.push([...stack].reverse());
      return;
    }
    for (let i = cover.inStart[x]!; i < cover.inStart[x + 1]! && found.length < ROUTES_CAP; i++) {
      const link = cover.inLinks[i]!;
      const w = cover.from[link]!;
      if (reach.distFrom[w]! > left - 1) continue;
      stack.push(link);
      visit(w, left - 1);
      stack.pop();
    }
  };
  visit(node, legs);
  return found;
}

/** Routes node ⇝ prober of at most `legs` links, ending at the first arrival at the prober. */
function routesBack(cover: CoverGraph, reach: ProberReach, node: number, legs: number): number[][] {
  const found: number[][] = [];
  const stack: number[] = [];
  const visit = (x: number, left: number): void => {
    if (found.length >= ROUTES_CAP) return;
    if (x === cover.prober) {
      found.push([...stack]);
      return;
    }
    for (let i = cover.outStart[x]!; i < cover.outStart[x + 1]! && found.length < ROUTES_CAP; i++) {
      const link = cover.outLinks[i]!;
      const y = cover.to[link]!;
      if (reach.distTo[y]! > left - 1) continue;
      stack.push(link);
      visit(y, left - 1);
      stack.pop();
    }
  };
  visit(node, legs);
  return found;
}
