/**
 * planLinkCover against brute force on seeded random small graphs: parallel links, one-way links,
 * unnumbered links, other hosts, a host or a router as the prober, one or two access links. Every walk
 * within the budget is enumerated, so the checks do not trust the planner: walks are valid, coverage
 * is counted from the walks, identifiable links have unique signatures, every group is inseparable by
 * any walk, and the plan is about exactly the links some walk can cross.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTopology, planLinkCover, type TopologyEvent, type TopologyGraph } from '../../../topology/index.js';
import { allWalks, assertGroupsInseparable, assertPlanConsistent } from './link-cover-checks.js';
import { seededRandom as seeded } from '../../helpers/seeded-random.js';

interface RandomCase {
  topology: TopologyGraph;
  prober: string;
}

function randomCase(seed: number): RandomCase {
  const random = seeded(seed);
  const routers = 4 + Math.floor(random() * 6);
  const events: TopologyEvent[] = [];
  const name = (i: number) => `R${i}`;
  for (let i = 0; i < routers; i++) events.push({ kind: 'node-up', node: { id: name(i), name: name(i), kind: 'router' } });
  let subnet = 0;
  const link = (a: string, b: string, { oneWay = false, unnumbered = false } = {}) => {
    const aAddress = `10.${seed % 200}.${subnet}.0`;
    const bAddress = `10.${seed % 200}.${subnet++}.1`;
    events.push({ kind: 'link-up', link: { key: `${a}|${b}|${aAddress}|${bAddress}`, from: a, to: b, localAddress: aAddress, neighborAddress: unnumbered ? undefined : bAddress } });
    if (!oneWay) events.push({ kind: 'link-up', link: { key: `${b}|${a}|${bAddress}|${aAddress}`, from: b, to: a, localAddress: bAddress, neighborAddress: aAddress } });
  };
  // A random tree keeps most of it connected; extra links add cycles, parallels, one-way and unnumbered links.
  for (let i = 1; i < routers; i++) link(name(i), name(Math.floor(random() * i)));
  const extra = Math.floor(random() * routers);
  for (let e = 0; e < extra; e++) {
    const a = Math.floor(random() * routers);
    const b = Math.floor(random() * routers);
    if (a === b) continue;
    const roll = random();
    link(name(a), name(b), { oneWay: roll < 0.15, unnumbered: roll > 0.92 });
  }
  events.push({ kind: 'node-up', node: { id: 'H', name: 'H', kind: 'host' } });
  link('H', name(routers - 1));
  const proberIsRouter = random() < 0.3;
  const prober = proberIsRouter ? name(0) : 'P';
  if (!proberIsRouter) {
    events.push({ kind: 'node-up', node: { id: 'P', name: 'P', kind: 'host' } });
    link('P', name(0));
    if (random() < 0.3) link('P', name(Math.floor(random() * routers)));
  }
  return { topology: buildTopology(events), prober };
}

const MAX_HOPS = 6;

test('random small graphs: plans hold up against brute force', () => {
  let groups = 0;
  let identifiable = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const { topology, prober } = randomCase(seed);
    const plan = planLinkCover(topology, { prober, maxHops: MAX_HOPS, coverage: 2 });
    const context = `seed ${seed}`;
    assertPlanConsistent(topology, plan, prober, MAX_HOPS);
    const walks = allWalks(topology, prober, MAX_HOPS);
    assertGroupsInseparable(plan, walks);

    const reachable = new Set(walks.flatMap((walk) => [...walk]));
    assert.deepEqual([...plan.linkKeys].sort(), [...reachable].sort(), `${context}: the plan is about exactly the links some walk can cross`);
    const unreachable = new Set(plan.unreachable.map((entry) => entry.linkKey));
    for (const l of topology.links()) assert.ok(reachable.has(l.key) !== unreachable.has(l.key), `${context}: ${l.key} is either planned or unreachable`);
    assert.ok(plan.unreachable.every((entry) => entry.reason.length > 0));

    // Coverage: a link is short only when brute force finds fewer distinct walks across it than the
    // target... or more exist and the planner says why it stopped (never silently).
    for (const key of plan.linkKeys) {
      const crossed = plan.coverage.get(key)!;
      if (crossed >= 2) continue;
      const entry = plan.underCovered.find((u) => u.linkKey === key);
      assert.ok(entry, `${context}: ${key} crossed ${crossed} times is reported under-covered`);
      assert.equal(entry.walks, crossed);
    }
    groups += plan.groups.length;
    identifiable += plan.identifiable;
  }
  // The cases are not all trivial: both outcomes occur.
  assert.ok(groups > 10 && identifiable > 100, `groups ${groups}, identifiable ${identifiable}`);
});

test('random small graphs: every link crossed by two or more distinct walks within the budget is covered twice', () => {
  for (let seed = 41; seed <= 70; seed++) {
    const { topology, prober } = randomCase(seed);
    const plan = planLinkCover(topology, { prober, maxHops: MAX_HOPS });
    const walks = allWalks(topology, prober, MAX_HOPS);
    for (const key of plan.linkKeys) {
      const possible = walks.filter((walk) => walk.has(key)).length;
      assert.ok(plan.coverage.get(key)! >= Math.min(2, possible), `seed ${seed}: ${key} crossed ${plan.coverage.get(key)} times, ${possible} walks exist`);
    }
  }
});

test('random small graphs: a re-plan with the previous walks keeps those that survive a withdraw', () => {
  for (let seed = 71; seed <= 90; seed++) {
    const { topology, prober } = randomCase(seed);
    const first = planLinkCover(topology, { prober, maxHops: MAX_HOPS });
    const victim = first.linkKeys[Math.floor(first.linkKeys.length / 2)]!;
    topology.apply({ kind: 'link-down', linkKey: victim });
    const second = planLinkCover(topology, { prober, maxHops: MAX_HOPS, previous: first.walks });
    assertPlanConsistent(topology, second, prober, MAX_HOPS);
    assertGroupsInseparable(second, allWalks(topology, prober, MAX_HOPS));
    const ids = new Set(second.walks.map((walk) => walk.id));
    for (const walk of first.walks) {
      const survives = !walk.links.some((l) => l.key === victim);
      assert.equal(ids.has(walk.id), survives, `seed ${seed}: walk ${walk.names.join(' ')} kept iff it survives`);
    }
  }
});
