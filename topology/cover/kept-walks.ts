/**
 * Which of the previous plan's walks survive a topology change: those whose links all still exist
 * under the same keys and can still be walked (usable, within maxHops, from the prober back to it).
 * Keeping them keeps their ids, so the monitor keeps their baselines and history, and the planner
 * only has to refine what the change touched.
 */
import type { Walk } from '../walk.js';
import type { CoverGraph } from './cover-graph.js';

export function survivingWalks(cover: CoverGraph, inScope: Uint8Array, previous: readonly Walk[], maxHops: number): { walk: Walk; links: number[] }[] {
  const kept: { walk: Walk; links: number[] }[] = [];
  for (const walk of previous) {
    const links = walkLinks(cover, inScope, walk, maxHops);
    if (links) kept.push({ walk, links });
  }
  return kept;
}

function walkLinks(cover: CoverGraph, inScope: Uint8Array, walk: Walk, maxHops: number): number[] | null {
  if (walk.links.length < 2 || walk.links.length > maxHops) return null;
  const links: number[] = [];
  for (const link of walk.links) {
    const index = cover.linkIndex.get(link.key);
    if (index === undefined || !inScope[index]) return null;
    links.push(index);
  }
  const P = cover.prober;
  if (cover.from[links[0]!] !== P || cover.to[links[links.length - 1]!] !== P) return null;
  for (let i = 1; i < links.length; i++) {
    const at = cover.from[links[i]!]!;
    // Consecutive, and every waypoint forwards (walk.ts's rules, on today's graph).
    if (cover.to[links[i - 1]!] !== at || !cover.forwards[at]) return null;
  }
  return links;
}
