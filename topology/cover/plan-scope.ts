/**
 * Which directed links a plan is about: those some walk within maxHops can cross. For every other link
 * of the topology, the reason no walk can (a host's access link, unnumbered, cut off, too far).
 */
import type { CoverGraph } from './cover-graph.js';
import { UNREACHED, type ProberReach } from './prober-reach.js';

export interface PlanScope {
  /** 1 for links the plan must cover and identify. */
  inScope: Uint8Array;
  unreachable: { link: number; reason: string }[];
}

export function planScope(cover: CoverGraph, reach: ProberReach, maxHops: number): PlanScope {
  const inScope = new Uint8Array(cover.links.length);
  const unreachable: { link: number; reason: string }[] = [];
  for (let link = 0; link < cover.links.length; link++) {
    const reason = outOfReach(cover, reach, link, maxHops);
    if (reason === undefined) inScope[link] = 1;
    else unreachable.push({ link, reason });
  }
  return { inScope, unreachable };
}

function outOfReach(cover: CoverGraph, reach: ProberReach, link: number, maxHops: number): string | undefined {
  if (!cover.usable[link]) return cover.unusable[link];
  const u = cover.from[link]!;
  const v = cover.to[link]!;
  if (reach.distFrom[u] === UNREACHED) return `${cover.names[u]} cannot be reached from the prober through routers`;
  if (reach.distTo[v] === UNREACHED) return `there is no way from ${cover.names[v]} back to the prober through routers`;
  const legs = reach.distFrom[u]! + 1 + reach.distTo[v]!;
  if (legs > maxHops) return `the shortest walk across it has ${legs} legs, more than maxHops ${maxHops}`;
  return undefined;
}
