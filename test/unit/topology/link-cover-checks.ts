/**
 * Independent checks of a link-cover plan, shared by the planner's tests: they recompute from the
 * walks themselves (not from the planner's own bookkeeping) what a plan claims, and they enumerate
 * every walk within a small budget by brute force to check what the planner decided about groups and
 * reachability.
 */
import assert from 'node:assert/strict';
import { walkFromLinks, type LinkCoverPlan, type TopologyGraph, type TopologyLink } from '../../../topology/index.js';

/** Per directed link key: the sorted ids of the walks crossing it. */
export function signatures(plan: LinkCoverPlan): Map<string, string> {
  const crossing = new Map<string, string[]>(plan.linkKeys.map((key) => [key, []]));
  for (const walk of plan.walks) {
    for (const key of new Set(walk.links.map((link) => link.key))) crossing.get(key)?.push(walk.id);
  }
  return new Map([...crossing].map(([key, ids]) => [key, ids.sort().join(',')]));
}

/**
 * Asserts what every plan must satisfy: valid walks within maxHops from and to the prober, coverage
 * counts that match the walks, identifiable links with unique signatures, group members sharing one
 * signature, and no shared signature outside a group.
 */
export function assertPlanConsistent(topology: TopologyGraph, plan: LinkCoverPlan, prober: string, maxHops: number): void {
  const ids = new Set<string>();
  const inPlan = new Set(plan.linkKeys);
  for (const walk of plan.walks) {
    assert.doesNotThrow(() => walkFromLinks(topology, walk.links), `walk ${walk.names.join(' ')} is valid`);
    assert.ok(walk.links.length <= maxHops, `walk ${walk.names.join(' ')} has ${walk.links.length} legs, at most ${maxHops}`);
    assert.equal(walk.nodes[0], prober);
    assert.equal(walk.nodes[walk.nodes.length - 1], prober);
    assert.ok(!ids.has(walk.id), `walk id ${walk.id} is unique`);
    ids.add(walk.id);
    for (const link of walk.links) assert.ok(inPlan.has(link.key), `${link.key} crossed by a walk is one of the plan's links`);
  }
  const counted = new Map<string, number>();
  for (const walk of plan.walks) for (const key of new Set(walk.links.map((link) => link.key))) counted.set(key, (counted.get(key) ?? 0) + 1);
  for (const key of plan.linkKeys) assert.equal(plan.coverage.get(key), counted.get(key) ?? 0, `coverage of ${key}`);

  const signature = signatures(plan);
  const bySignature = new Map<string, string[]>();
  for (const [key, sig] of signature) bySignature.set(sig, [...(bySignature.get(sig) ?? []), key]);
  const grouped = new Set(plan.groups.flatMap((group) => group.linkKeys));
  for (const group of plan.groups) {
    assert.ok(group.linkKeys.length >= 2, `group ${group.id} has two or more links`);
    assert.equal(new Set(group.linkKeys.map((key) => signature.get(key))).size, 1, `group ${group.labels.join(', ')} shares one signature`);
    assert.deepEqual([...bySignature.get(signature.get(group.linkKeys[0]!)!)!].sort(), [...group.linkKeys].sort(), `group ${group.labels.join(', ')} is the whole signature class`);
    assert.ok(group.reason.length > 0);
  }
  let unique = 0;
  for (const key of plan.linkKeys) {
    const shared = bySignature.get(signature.get(key)!)!.length > 1;
    if (!shared) unique++;
    else assert.ok(grouped.has(key), `${key} shares its signature with ${bySignature.get(signature.get(key)!)!.join(' ')} but is in no group`);
  }
  assert.equal(plan.identifiable, unique, 'identifiable counts the links alone in their signature class');
}

/**
 * Every walk from the prober within maxHops, enumerated: waypoints must forward (routers), a walk ends
 * at its first return to the prober, and a leg needs an address at its far end (and at the prober's
 * end for the first leg). Each walk is returned as the set of link keys it crosses.
 */
export function allWalks(topology: TopologyGraph, prober: string, maxHops: number): Set<string>[] {
  const graph = topology.graph;
  const walks: Set<string>[] = [];
  const path: TopologyLink[] = [];
  const forwards = (node: string) => graph.getNodeAttribute(node, 'kind') === 'router' && !graph.getNodeAttribute(node, 'pseudonode');
  const usable = (link: TopologyLink) => link.from !== link.to && !!link.neighborAddress && (link.from !== prober || !!link.localAddress) && (link.to === prober || forwards(link.to));
  const extend = (at: string): void => {
    if (path.length === maxHops) return;
    graph.forEachOutEdge(at, (_key, link: TopologyLink) => {
      if (!usable(link)) return;
      path.push(link);
      if (link.to === prober) walks.push(new Set(path.map((l) => l.key)));
      else extend(link.to);
      path.pop();
    });
  };
  extend(prober);
  return walks;
}

/** Asserts that no walk within the budget crosses one member of a group without another. */
export function assertGroupsInseparable(plan: LinkCoverPlan, walks: Set<string>[]): void {
  for (const group of plan.groups) {
    for (const walk of walks) {
      const crossed = group.linkKeys.filter((key) => walk.has(key)).length;
      assert.ok(crossed === 0 || crossed === group.linkKeys.length, `a walk crossing ${[...walk].join(' ')} separates group ${group.labels.join(', ')}`);
    }
  }
}
