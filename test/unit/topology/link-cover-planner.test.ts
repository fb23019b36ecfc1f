/**
 * planLinkCover on the NANOG 76 lab and on small hand-made shapes whose groups are known: the prober's
 * access link, a dead-end router, a chain, parallel links, a re-plan that keeps surviving walks, and
 * the errors for bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTopology, parseYamlTopology, planLinkCover, TopologyError, type TopologyEvent, type TopologyGraph } from '../../../topology/index.js';
import { repoRoot } from '../../helpers/repo-root.js';
import { allWalks, assertGroupsInseparable, assertPlanConsistent, signatures } from './link-cover-checks.js';

const nanog76 = () => buildTopology(parseYamlTopology(readFileSync(join(repoRoot, 'lab/topologies/nanog76.yaml'), 'utf8'), 'nanog76.yaml').events);

/** Routers and hosts by name, links as `A-B` (both directions, /31 each) or `A>B` (one direction). */
function shape(routers: string[], hosts: string[], links: string[]): TopologyGraph {
  const events: TopologyEvent[] = [
    ...routers.map((name): TopologyEvent => ({ kind: 'node-up', node: { id: name, name, kind: 'router' } })),
    ...hosts.map((name): TopologyEvent => ({ kind: 'node-up', node: { id: name, name, kind: 'host' } })),
  ];
  links.forEach((spec, i) => {
    const [a, b] = spec.split(/[->]/) as [string, string];
    const aAddress = `10.9.${i}.0`;
    const bAddress = `10.9.${i}.1`;
    events.push({ kind: 'link-up', link: { key: `${a}|${b}|${aAddress}|${bAddress}`, from: a, to: b, localAddress: aAddress, neighborAddress: bAddress } });
    if (spec.includes('-')) events.push({ kind: 'link-up', link: { key: `${b}|${a}|${bAddress}|${aAddress}`, from: b, to: a, localAddress: bAddress, neighborAddress: aAddress } });
  });
  return buildTopology(events);
}

const labelsOf = (topology: TopologyGraph, keys: string[]) =>
  keys.map((key) => {
    const link = topology.graph.getEdgeAttributes(key);
    return `${topology.node(link.from).name}→${topology.node(link.to).name}`;
  });

test('nanog76 from dev1: every router-router direction covered twice and identifiable; dev1 access a group; dev2 unreachable', () => {
  const topology = nanog76();
  const plan = planLinkCover(topology, { prober: 'dev1' });
  assertPlanConsistent(topology, plan, 'dev1', 16);

  const routerLinks = topology.links().filter((link) => topology.node(link.from).kind === 'router' && topology.node(link.to).kind === 'router');
  assert.equal(routerLinks.length, 16);
  const signature = signatures(plan);
  const sigs = [...signature.values()];
  for (const link of routerLinks) {
    assert.ok((plan.coverage.get(link.key) ?? 0) >= 2, `${link.key} covered at least twice`);
    assert.equal(sigs.filter((sig) => sig === signature.get(link.key)).length, 1, `${link.key} has a signature of its own`);
  }
  assert.equal(plan.identifiable, 16);
  assert.equal(plan.groups.length, 1);
  assert.deepEqual([...plan.groups[0]!.labels].sort(), ['R1→dev1', 'dev1→R1']);
  assert.match(plan.groups[0]!.reason, /prober's only link/);
  assert.deepEqual(plan.unreachable.map((entry) => labelsOf(topology, [entry.linkKey])[0]).sort(), ['R6→dev2', 'dev2→R6']);
  assert.ok(plan.unreachable.every((entry) => /host dev2/.test(entry.reason)));
  assert.deepEqual(plan.underCovered, []);
  assertGroupsInseparable(plan, allWalks(topology, 'dev1', 8));
});

test('the same input gives the same plan, walk for walk', () => {
  const a = planLinkCover(nanog76(), { prober: 'dev1' });
  const b = planLinkCover(nanog76(), { prober: 'dev1' });
  assert.deepEqual(
    a.walks.map((walk) => walk.id),
    b.walks.map((walk) => walk.id),
  );
  assert.deepEqual(a.groups, b.groups);
});

test('a router as the prober: its own links are separable, both hosts are unreachable', () => {
  const topology = nanog76();
  const plan = planLinkCover(topology, { prober: 'R1' });
  assertPlanConsistent(topology, plan, 'R1', 16);
  assert.equal(plan.groups.length, 0);
  assert.equal(plan.identifiable, 16);
  assert.equal(plan.unreachable.length, 4);
});

test('a dead-end router makes its link a group, named as a dead end', () => {
  const topology = shape(['R1', 'R2', 'R3', 'D'], ['P'], ['P-R1', 'R1-R2', 'R2-R3', 'R3-R1', 'R2-D']);
  const plan = planLinkCover(topology, { prober: 'P' });
  assertPlanConsistent(topology, plan, 'P', 16);
  const dead = plan.groups.find((group) => group.labels.includes('R2→D'));
  assert.ok(dead, 'R2–D is a group');
  assert.deepEqual([...dead.labels].sort(), ['D→R2', 'R2→D']);
  assert.match(dead.reason, /D is a dead end/);
  assert.equal(plan.groups.length, 2);
  assert.equal(plan.identifiable, plan.linkKeys.length - 4);
  assertGroupsInseparable(plan, allWalks(topology, 'P', 8));
});

test('a chain without branches gives one group per link, each crossed twice', () => {
  const topology = shape(['R1', 'R2', 'R3', 'R4'], ['P'], ['P-R1', 'R1-R2', 'R2-R3', 'R3-R4']);
  const plan = planLinkCover(topology, { prober: 'P' });
  assertPlanConsistent(topology, plan, 'P', 16);
  assert.deepEqual(plan.groups.map((group) => [...group.labels].sort().join(' ')).sort(), ['P→R1 R1→P', 'R1→R2 R2→R1', 'R2→R3 R3→R2', 'R3→R4 R4→R3']);
  assert.equal(plan.identifiable, 0);
  for (const key of plan.linkKeys) assert.ok(plan.coverage.get(key)! >= 2);
  assertGroupsInseparable(plan, allWalks(topology, 'P', 10));
});

test('parallel links are told apart, each direction of each', () => {
  const topology = shape(['R1', 'R2'], ['P'], ['P-R1', 'R1-R2', 'R1-R2', 'R1-R2']);
  const plan = planLinkCover(topology, { prober: 'P' });
  assertPlanConsistent(topology, plan, 'P', 16);
  assert.equal(plan.linkKeys.length, 8);
  assert.equal(plan.groups.length, 1, 'only the access link is a group');
  assert.equal(plan.identifiable, 6);
  for (const walk of plan.walks) assert.ok(walk.links.length <= 16);
});

test('a one-way link is covered and identified; its missing reverse is no obstacle', () => {
  // R1→R2 exists, R2→R1 does not: walks go round R1→R2→R3→R1.
  const topology = shape(['R1', 'R2', 'R3'], ['P'], ['P-R1', 'R1>R2', 'R2-R3', 'R3-R1']);
  const plan = planLinkCover(topology, { prober: 'P' });
  assertPlanConsistent(topology, plan, 'P', 16);
  const oneWay = topology.linksBetween('R1', 'R2')[0]!;
  assert.ok(plan.coverage.get(oneWay.key)! >= 2);
  assert.ok(!plan.groups.some((group) => group.linkKeys.includes(oneWay.key)));
  assertGroupsInseparable(plan, allWalks(topology, 'P', 8));
});

test('a prober with two access links can tell its own links apart', () => {
  const topology = shape(['R1', 'R2'], ['P'], ['P-R1', 'P-R2', 'R1-R2']);
  const plan = planLinkCover(topology, { prober: 'P' });
  assertPlanConsistent(topology, plan, 'P', 16);
  assert.equal(plan.groups.length, 0);
  assert.equal(plan.identifiable, plan.linkKeys.length);
});

test('links beyond maxHops, in another component or without an address are unreachable, each with its reason', () => {
  const topology = shape(['R1', 'R2', 'R3', 'R4', 'X1', 'X2'], ['P'], ['P-R1', 'R1-R2', 'R2-R3', 'R3-R4', 'X1-X2']);
  topology.apply({ kind: 'link-up', link: { key: 'R1|R3|unnumbered', from: 'R1', to: 'R3' } });
  const plan = planLinkCover(topology, { prober: 'P', maxHops: 6 });
  assertPlanConsistent(topology, plan, 'P', 6);
  const reasons = new Map(plan.unreachable.map((entry) => [labelsOf(topology, [entry.linkKey])[0], entry.reason]));
  assert.match(reasons.get('R3→R4')!, /shortest walk across it has 8 legs, more than maxHops 6/);
  assert.match(reasons.get('X1→X2')!, /X1 cannot be reached/);
  assert.match(reasons.get('R1→R3')!, /no address at R3's end/);
  assert.ok(plan.linkKeys.includes(topology.linksBetween('R2', 'R3')[0]!.key));
  const exhaustive = new Set(allWalks(topology, 'P', 6).flatMap((walk) => [...walk]));
  assert.deepEqual([...plan.linkKeys].sort(), [...exhaustive].sort(), 'the plan is about exactly the links some walk within maxHops crosses');
});

test('a re-plan after a withdraw keeps every walk that survives, by id, and still covers the rest', () => {
  const topology = nanog76();
  const first = planLinkCover(topology, { prober: 'dev1' });
  const [r4r6] = topology.linksBetween('R4', 'R6');
  const [r6r4] = topology.linksBetween('R6', 'R4');
  topology.apply({ kind: 'link-down', linkKey: r4r6!.key });
  topology.apply({ kind: 'link-down', linkKey: r6r4!.key });
  const surviving = first.walks.filter((walk) => !walk.links.some((link) => link.key === r4r6!.key || link.key === r6r4!.key));
  assert.ok(surviving.length > 0 && surviving.length < first.walks.length, 'the withdraw cuts some walks and spares others');

  const second = planLinkCover(topology, { prober: 'dev1', previous: first.walks });
  assertPlanConsistent(topology, second, 'dev1', 16);
  const ids = new Set(second.walks.map((walk) => walk.id));
  for (const walk of surviving) assert.ok(ids.has(walk.id), `surviving walk ${walk.names.join(' ')} kept`);
  assert.deepEqual(
    second.walks.slice(0, surviving.length).map((walk) => walk.id),
    surviving.map((walk) => walk.id),
  );
  assert.deepEqual(second.underCovered, []);
  assert.ok(!second.linkKeys.includes(r4r6!.key));
  for (const key of second.linkKeys) assert.ok(second.coverage.get(key)! >= 2);
});

test('bad input: an unknown prober and bad options are errors that name the value', () => {
  const topology = nanog76();
  assert.throws(
    () => planLinkCover(topology, { prober: 'R9' }),
    (error: unknown) => error instanceof TopologyError && error.code === 'unknown-node' && error.message.includes('R9'),
  );
  for (const [options, name] of [
    [{ coverage: 0 }, 'coverage'],
    [{ coverage: 1.5 }, 'coverage'],
    [{ maxHops: 1 }, 'maxHops'],
    [{ maxWalks: 0 }, 'maxWalks'],
  ] as const) {
    assert.throws(
      () => planLinkCover(topology, { prober: 'dev1', ...options }),
      (error: unknown) => error instanceof TopologyError && error.code === 'invalid-option' && error.message.includes(name) && error.message.includes(String(Object.values(options)[0])),
    );
  }
});

test('maxWalks bounds the plan and the shortfall is reported, not hidden', () => {
  const topology = nanog76();
  const plan = planLinkCover(topology, { prober: 'dev1', maxWalks: 2 });
  assert.equal(plan.walks.length, 2);
  assert.ok(plan.underCovered.length > 0);
  assert.ok(plan.underCovered.every((entry) => /maxWalks \(2\)/.test(entry.reason)));
});

test('a link only one walk within maxHops can cross is reported under-covered with that count, not padded', () => {
  const topology = shape(['R1', 'R2'], ['P'], ['P-R1', 'R1-R2']);
  const plan = planLinkCover(topology, { prober: 'P', maxHops: 4 });
  assertPlanConsistent(topology, plan, 'P', 4);
  const r1r2 = topology.linksBetween('R1', 'R2')[0]!.key;
  // P R1 R2 R1 P is the only walk of at most 4 legs across R1→R2.
  assert.deepEqual(
    plan.underCovered.find((entry) => entry.linkKey === r1r2),
    { linkKey: r1r2, walks: 1, reason: 'only 1 distinct walk within maxHops 4 crosses it' },
  );
});
