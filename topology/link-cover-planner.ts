/**
 * The link-cover planner: the walks one prober sends so that every directed link it can reach is
 * crossed `coverage` times and is 1-identifiable, and the link groups no walk can separate, by name.
 *
 * The steps, each in its own file under cover/:
 * 1. cover-graph, prober-reach, plan-scope: the graph in arrays, the two shortest-route trees (out of
 *    and back to the prober), and which links any walk within maxHops can cross (the rest are
 *    `unreachable`, with the reason).
 * 2. kept-walks: the previous plan's walks whose links all still exist are kept first, ids and all, so
 *    a re-plan after a withdraw only works on what the change touched.
 * 3. lazy-greedy + walk-chain: partition refinement (deTector's PMC idea) over walks built on demand,
 *    each a tree route to a target link, the target, then a chain through links that still need
 *    something, and home.
 * 4. link-groups: for links still sharing a signature, an exact test whether any walk within the
 *    budget separates them; if so it is added, if not they are a group and the reason is given.
 * 5. a last pass for links still under their coverage target (duplicates, tight budgets), then one for
 *    directions crossed without their reverse by fewer than `separation` walks.
 *
 * Pure and deterministic: the same topology and options give the same walks and ids on every run.
 */
import { hash } from 'node:crypto';
import type { TopologyGraph } from './graph.js';
import type { LinkCoverOptions, LinkCoverPlan, LinkGroup } from './link-cover.js';
import { walkFromLinks, type Walk } from './walk.js';
import { TopologyError } from './errors.js';
import { coverGraph, linkLabel, type CoverGraph } from './cover/cover-graph.js';
import { proberReach } from './cover/prober-reach.js';
import { planScope } from './cover/plan-scope.js';
import { PlanState } from './cover/plan-state.js';
import { survivingWalks } from './cover/kept-walks.js';
import { lazyGreedyCover } from './cover/lazy-greedy.js';
import { separateSharedClasses, type FoundGroup } from './cover/link-groups.js';
import { routeFromProber, routeToProber } from './cover/prober-reach.js';
import { alternativeWalks } from './cover/alternative-walks.js';

export const defaultLinkCover = { coverage: 2, maxHops: 16, maxWalks: 100_000 } as const;

/**
 * A link under its coverage target is worth this many class splits to a candidate walk. Coverage is
 * what bounds the walk count (every link needs `coverage` crossings, a walk has maxHops legs); splits
 * mostly come free once links are crossed by varied walks. Measured on fat-trees: weight 2 gave 884
 * walks at k=16 and 6,965 at k=32, weight 1 gave 923 and 7,376, weight 0.5 gave 961 at k=16.
 */
const COVER_WEIGHT = 2;
/**
 * A direction under its separation target is worth this many class splits. The same as coverage: both
 * are per-link crossing counts a plan must reach, and separating crossings mostly come with walks that
 * cover anyway (a walk that goes out one way and back another).
 */
const SEPARATION_WEIGHT = 2;
/** Extra candidates tried for a link still under its coverage target once the greedy is done. */
const TOP_UP_ATTEMPTS = 3;

/**
 * Plans walks covering and identifying every directed link the prober can reach.
 * @throws TopologyError `unknown-node` for a prober the topology lacks, `invalid-option` for a bad
 * coverage, maxHops or maxWalks.
 */
export function planLinkCover(topology: TopologyGraph, options: LinkCoverOptions): LinkCoverPlan {
  const started = performance.now();
  const coverage = wholeOption('coverage', options.coverage ?? defaultLinkCover.coverage, 1);
  const maxHops = wholeOption('maxHops', options.maxHops ?? defaultLinkCover.maxHops, 2);
  // One more than coverage by default: the split between a link's two directions rests only on walks
  // that cross one without the other, and with two of them a 5 % loss on both directions of a nanog76
  // link was told apart in 19 of 40 rounds; with three, 40 of 40.
  const separation = wholeOption('separation', options.separation ?? coverage + 1, 0);
  const maxWalks = wholeOption('maxWalks', options.maxWalks ?? defaultLinkCover.maxWalks, 1);
  const prober = topology.resolveNode(options.prober);

  const cover = coverGraph(topology, prober);
  const reach = proberReach(cover);
  const scope = planScope(cover, reach, maxHops);
  const state = new PlanState(cover, reach, scope.inScope, { coverage, maxHops, maxWalks, coverWeight: COVER_WEIGHT, separation, separationWeight: SEPARATION_WEIGHT });
  for (const { walk, links } of survivingWalks(cover, scope.inScope, options.previous ?? [], maxHops)) state.add(links, walk);

  const targets: number[] = [];
  for (let link = 0; link < cover.links.length; link++) if (scope.inScope[link] && state.classes.needy(link)) targets.push(link);
  lazyGreedyCover(state, targets);
  const groups = separateSharedClasses(state);
  const shortfall = topUpCoverage(state);
  const unsplit = topUpSeparation(state);

  const walks = state.walks.map((links, i) => planWalk(topology, cover, links, state.keptFrom[i]));
  const linkKeys: string[] = [];
  const coverageByKey = new Map<string, number>();
  const underCovered: LinkCoverPlan['underCovered'] = [];
  const separated = new Map<string, number>();
  const underSeparated: NonNullable<LinkCoverPlan['underSeparated']> = [];
  let identifiable = 0;
  for (let link = 0; link < cover.links.length; link++) {
    if (!scope.inScope[link]) continue;
    const key = cover.links[link]!.key;
    const crossed = state.classes.coverage[link]!;
    linkKeys.push(key);
    coverageByKey.set(key, crossed);
    if (state.classes.size[state.classes.classOf[link]!] === 1) identifiable++;
    if (crossed < coverage) underCovered.push({ linkKey: key, walks: crossed, reason: shortfall.get(link) ?? underCoverReason(state, crossed) });
    if (state.classes.reverseOf[link]! < 0) continue;
    const apart = state.classes.separated[link]!;
    separated.set(key, apart);
    if (apart < separation) underSeparated.push({ linkKey: key, walks: apart, reason: unsplit.get(link) ?? underSeparateReason(state, link, apart) });
  }
  return {
    walks,
    linkKeys,
    coverage: coverageByKey,
    groups: groups.map((group) => linkGroup(cover, group)).sort((a, b) => (a.linkKeys[0]! < b.linkKeys[0]! ? -1 : 1)),
    unreachable: scope.unreachable.map(({ link, reason }) => ({ linkKey: cover.links[link]!.key, reason })),
    underCovered,
    separated,
    underSeparated,
    identifiable,
    computeMs: performance.now() - started,
  };
}

/**
 * Links the greedy left under their coverage target (every candidate repeated a planned walk, which
 * happens where few walks exist: the far end of a chain, a tight maxHops): the plain shortest walk, a
 * few differently tie-broken candidates, then other ways out and back (alternative-walks.ts). Returns,
 * per link still short, why.
 */
function topUpCoverage(state: PlanState): Map<number, string> {
  const { cover, reach, classes, settings } = state;
  const short = new Map<number, string>();
  const needs = (link: number) => classes.coverage[link]! < settings.coverage && !state.full;
  for (let link = 0; link < cover.links.length; link++) {
    if (!state.inScope[link] || classes.coverage[link]! >= settings.coverage) continue;
    const out: number[] = [];
    routeFromProber(reach, cover, cover.from[link]!, out);
    const back: number[] = [];
    routeToProber(reach, cover, cover.to[link]!, back);
    state.add([...out, link, ...back]);
    for (let attempt = 1; attempt <= TOP_UP_ATTEMPTS && needs(link); attempt++) state.add(state.chain.build(link, 0x5bd1e995 * attempt + link));
    if (!needs(link)) continue;
    const alternatives = alternativeWalks(cover, reach, link, settings.maxHops);
    for (const walk of alternatives.walks) {
      if (!needs(link)) break;
      state.add(walk);
    }
    const crossed = classes.coverage[link]!;
    if (crossed >= settings.coverage) continue;
    const walks = crossed === 1 ? `walk within maxHops ${settings.maxHops} crosses` : `walks within maxHops ${settings.maxHops} cross`;
    short.set(link, state.full || !alternatives.exhaustive ? underCoverReason(state, crossed) : `only ${crossed} distinct ${walks} it`);
  }
  return short;
}

/**
 * Directions still crossed without their reverse by fewer than `separation` walks: the exact
 * separating walk (shortest routes avoiding the reverse), then differently tie-broken candidates, then
 * other ways out and back that avoid the reverse. Returns, per direction still short, why.
 */
function topUpSeparation(state: PlanState): Map<number, string> {
  const { cover, reach, classes, settings } = state;
  const short = new Map<number, string>();
  const needs = (link: number) => classes.unseparated(link) && !state.full;
  for (let link = 0; link < cover.links.length; link++) {
    if (!needs(link)) continue;
    const reverse = classes.reverseOf[link]!;
    const first = state.separatingWalk(link);
    if (first) {
      state.add(first);
      for (let attempt = 1; attempt <= TOP_UP_ATTEMPTS && needs(link); attempt++) {
        const walk = state.chain.build(link, 0x27d4eb2d * attempt + link);
        if (!walk.includes(reverse)) state.add(walk);
      }
    }
    let exhaustive = true;
    if (needs(link)) {
      const alternatives = alternativeWalks(cover, reach, link, settings.maxHops);
      exhaustive = alternatives.exhaustive;
      for (const walk of alternatives.walks) {
        if (!needs(link)) break;
        if (!walk.includes(reverse)) state.add(walk);
      }
    }
    const apart = classes.separated[link]!;
    if (apart >= settings.separation) continue;
    if (!first || state.full || !exhaustive) continue;
    const walks = apart === 1 ? `walk within maxHops ${settings.maxHops} crosses` : `walks within maxHops ${settings.maxHops} cross`;
    short.set(link, `only ${apart} distinct ${walks} it without ${linkLabel(cover, reverse)}`);
  }
  return short;
}

function underSeparateReason(state: PlanState, link: number, apart: number): string {
  const { cover, classes, settings } = state;
  const reverse = linkLabel(cover, classes.reverseOf[link]!);
  if (classes.inseparable[link]) return `every walk within maxHops ${settings.maxHops} that crosses it also crosses ${reverse}`;
  if (state.full) return `the plan reached maxWalks (${settings.maxWalks}) first`;
  return `found ${apart} distinct walk${apart === 1 ? '' : 's'} across it without ${reverse} within maxHops ${settings.maxHops}; every other candidate repeated one of them`;
}

function underCoverReason(state: PlanState, crossed: number): string {
  if (state.full) return `the plan reached maxWalks (${state.settings.maxWalks}) first`;
  return `found ${crossed} distinct walk${crossed === 1 ? '' : 's'} across it within maxHops ${state.settings.maxHops}; every other candidate repeated one of them`;
}

function planWalk(topology: TopologyGraph, cover: CoverGraph, links: number[], kept: Walk | undefined): Walk {
  const topologyLinks = links.map((link) => cover.links[link]!);
  if (!kept) return walkFromLinks(topology, topologyLinks);
  // Same link keys, so the same id (walk.ts digests the keys); today's link records, which may carry
  // new metrics, replace the old ones. kept-walks.ts already checked the walk against today's graph.
  const nodes = [cover.prober, ...links.map((link) => cover.to[link]!)];
  return { id: kept.id, nodes: nodes.map((n) => cover.nodeIds[n]!), names: nodes.map((n) => cover.names[n]!), links: topologyLinks };
}

function linkGroup(cover: CoverGraph, group: FoundGroup): LinkGroup {
  const members = group.links.map((link) => ({ key: cover.links[link]!.key, label: linkLabel(cover, link) })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const linkKeys = members.map((member) => member.key);
  return {
    id: `g${hash('sha256', linkKeys.join('\n'), 'hex').slice(0, 11)}`,
    linkKeys,
    labels: members.map((member) => member.label),
    reason: group.reason,
  };
}

function wholeOption(name: string, value: number, least: number): number {
  if (!Number.isInteger(value) || value < least) {
    throw new TopologyError('invalid-option', `topology.planLinkCover: ${name} must be a whole number of at least ${least}, got ${value}`);
  }
  return value;
}
