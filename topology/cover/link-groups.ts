/**
 * Decides, for the links the greedy left sharing a signature, whether any walk within the budget can
 * tell them apart, and adds that walk if so; what is left is a true link group, with the reason why.
 *
 * The decision is exact, not a heuristic: a walk crossing `a` but not `b` exists within maxHops iff
 * the shortest route prober ⇝ from(a) and the shortest route to(a) ⇝ prober, both in the graph
 * without `b`, fit in maxHops − 1 together (walks may revisit nodes and links, so nothing else
 * constrains them). Inseparability ("every walk that crosses one crosses the other") is an
 * equivalence, so comparing each member with one representative, both ways round, settles a class.
 * The cheap check first: the two shortest-route trees, which already avoid `b` in most cases.
 */
import type { PlanState } from './plan-state.js';
import { RouteSearch, routeFromProber, routeToProber, UNREACHED } from './prober-reach.js';

export interface FoundGroup {
  links: number[];
  reason: string;
}

export function separateSharedClasses(state: PlanState): FoundGroup[] {
  const { classes } = state;
  const search = new RouteSearch(state.cover);
  const worklist = classes.sharedClasses();
  const groups: FoundGroup[] = [];
  while (worklist.length > 0) {
    const members = worklist.pop()!;
    const byClass = new Map<number, number[]>();
    for (const link of members) {
      const c = classes.classOf[link]!;
      const list = byClass.get(c);
      if (list) list.push(link);
      else byClass.set(c, [link]);
    }
    if (byClass.size > 1) {
      for (const part of byClass.values()) if (part.length > 1) worklist.push(part);
      continue;
    }
    if (members.length < 2) continue;
    const representative = members[0]!;
    let split = false;
    let full = false;
    for (const other of members.slice(1)) {
      const walk = separatingWalk(state, search, representative, other) ?? separatingWalk(state, search, other, representative);
      if (!walk) continue;
      if (state.add(walk)) {
        split = true;
        break;
      }
      full = state.full;
      if (full) break;
    }
    if (split) worklist.push(members);
    else groups.push({ links: members, reason: full ? `the plan reached maxWalks (${state.settings.maxWalks}) before these could be told apart` : groupReason(state, members) });
  }
  return groups;
}

/** A walk within the budget that crosses `a` and never `b`, or null if none exists. */
export function separatingWalk(state: PlanState, search: RouteSearch, a: number, b: number): number[] | null {
  const { cover, reach, settings } = state;
  const u = cover.from[a]!;
  const v = cover.to[a]!;
  const out: number[] = [];
  routeFromProber(reach, cover, u, out);
  const back: number[] = [];
  routeToProber(reach, cover, v, back);
  if (a !== b && !out.includes(b) && !back.includes(b)) return [...out, a, ...back];
  if (a === b || reach.distTo[v]! === UNREACHED) return null;
  const first = search.fromProber(u, b, settings.maxHops - 1 - reach.distTo[v]!);
  if (!first) return null;
  const second = search.toProber(v, b, settings.maxHops - 1 - first.length);
  return second ? [...first, a, ...second] : null;
}

function groupReason(state: PlanState, members: number[]): string {
  const { cover, reach, settings } = state;
  const P = cover.prober;
  const outOf = (node: number) => cover.outStart[node + 1]! - cover.outStart[node]!;
  const inTo = (node: number) => cover.inStart[node + 1]! - cover.inStart[node]!;
  const leaving = members.filter((link) => cover.from[link] === P).length;
  const entering = members.filter((link) => cover.to[link] === P).length;
  if (leaving === outOf(P) && entering === inTo(P) && leaving + entering === members.length) {
    return "every walk leaves and returns over it: it is the prober's only link";
  }
  const pairs = members.every((link) => members.includes(cover.reverse[link]!));
  if (members.length === 2 && pairs) {
    const [a] = members as [number, number];
    const x = cover.from[a]!;
    const y = cover.to[a]!;
    const far = reach.distFrom[y]! > reach.distFrom[x]! ? y : x;
    const near = far === y ? x : y;
    if (outOf(far) === 1 && inTo(far) === 1) {
      return `${cover.names[far]} is a dead end: every walk that enters it from ${cover.names[near]} leaves the same way`;
    }
    return `every walk that crosses one direction comes back over the other: no other way between ${cover.names[near]} and ${cover.names[far]} within maxHops ${settings.maxHops} (a bridge)`;
  }
  if (pairs) return 'a chain without branches: every walk that crosses one of these links crosses all of them';
  return `no walk within maxHops ${settings.maxHops} crosses one of these links without the others`;
}
