/**
 * The planner's separation target: every direction whose reverse the plan is also about is crossed by
 * `separation` walks that do not cross the reverse, or is reported in `underSeparated` with the reason.
 * Counts are recomputed from the walks, not taken from the planner.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTopology, parseYamlTopology, planLinkCover, TopologyError, type LinkCoverPlan, type TopologyGraph } from '../../../topology/index.js';
import { repoRoot } from '../../helpers/repo-root.js';

const nanog76 = () => buildTopology(parseYamlTopology(readFileSync(join(repoRoot, 'lab/topologies/nanog76.yaml'), 'utf8'), 'nanog76.yaml').events);

function reverseKey(topology: TopologyGraph, key: string): string | undefined {
  const link = topology.graph.getEdgeAttributes(key);
  return topology.graph.edges().find((other) => {
    const back = topology.graph.getEdgeAttributes(other);
    return back.from === link.to && back.to === link.from;
  });
}

/** Walks crossing each in-plan direction without its reverse, counted from the walks. */
function separations(topology: TopologyGraph, plan: LinkCoverPlan): Map<string, number> {
  const inPlan = new Set(plan.linkKeys);
  const counts = new Map<string, number>();
  for (const key of plan.linkKeys) {
    const reverse = reverseKey(topology, key);
    if (!reverse || !inPlan.has(reverse)) continue;
    counts.set(key, plan.walks.filter((walk) => walk.links.some((l) => l.key === key) && !walk.links.some((l) => l.key === reverse)).length);
  }
  return counts;
}

for (const separation of [2, 3]) {
  test(`nanog76 from dev1, separation ${separation}: every router-router direction separated ${separation} times; only the access link reported`, () => {
    const topology = nanog76();
    const plan = planLinkCover(topology, { prober: 'dev1', coverage: 2, separation, maxHops: 16 });
    const counts = separations(topology, plan);
    assert.deepEqual(plan.separated, counts);
    const short = [...counts]
      .filter(([, n]) => n < separation)
      .map(([key]) => key)
      .sort();
    assert.deepEqual(plan.underSeparated!.map((entry) => entry.linkKey).sort(), short);
    const access = plan.groups.find((group) => /only link/.test(group.reason))!;
    assert.deepEqual(short, [...access.linkKeys].sort());
    for (const entry of plan.underSeparated!) assert.match(entry.reason, /every walk within maxHops 16 that crosses it also crosses (R1→dev1|dev1→R1)/);
    assert.deepEqual(plan.underCovered, []);
    assert.ok(plan.coverage.size > 0 && [...plan.coverage.values()].every((n) => n >= 2));
  });
}

test('separation 0 asks for nothing: the plan is the coverage-only plan and nothing is under-separated', () => {
  const topology = nanog76();
  const plan = planLinkCover(topology, { prober: 'dev1', coverage: 2, separation: 0, maxHops: 16 });
  assert.deepEqual(plan.underSeparated, []);
  const withIt = planLinkCover(topology, { prober: 'dev1', coverage: 2, separation: 3, maxHops: 16 });
  assert.ok(withIt.walks.length > plan.walks.length, `${withIt.walks.length} walks with separation 3, ${plan.walks.length} without`);
});

test('a bridge cannot be separated: both directions reported, with the reverse named', () => {
  // R3 hangs off R2 by one link: every walk into R3 comes back over it.
  const yaml = [
    'name: bridge',
    'routers:',
    '  - { name: R1, routerId: "1.1.1.1" }',
    '  - { name: R2, routerId: "2.2.2.2" }',
    '  - { name: R3, routerId: "3.3.3.3" }',
    '  - { name: R4, routerId: "4.4.4.4" }',
    'hosts:',
    '  - { name: P }',
    'links:',
    '  - { a: P, aAddress: 10.0.0.0/31, b: R1, bAddress: 10.0.0.1/31 }',
    '  - { a: R1, aAddress: 10.0.1.0/31, b: R2, bAddress: 10.0.1.1/31 }',
    '  - { a: R2, aAddress: 10.0.2.0/31, b: R4, bAddress: 10.0.2.1/31 }',
    '  - { a: R4, aAddress: 10.0.3.0/31, b: R1, bAddress: 10.0.3.1/31 }',
    '  - { a: R2, aAddress: 10.0.4.0/31, b: R3, bAddress: 10.0.4.1/31 }',
  ].join('\n');
  const topology = buildTopology(parseYamlTopology(yaml, 'bridge.yaml').events);
  const plan = planLinkCover(topology, { prober: 'P', coverage: 2, maxHops: 8 });
  const labels = plan.underSeparated!.map((entry) => {
    const link = topology.graph.getEdgeAttributes(entry.linkKey);
    return `${topology.node(link.from).name}→${topology.node(link.to).name}`;
  });
  assert.deepEqual(labels.sort(), ['P→R1', 'R1→P', 'R2→R3', 'R3→R2']);
  assert.ok(plan.underSeparated!.every((entry) => /also crosses/.test(entry.reason)));
  assert.match(plan.underSeparated!.find((_entry, i) => labels[i] === 'R2→R3')!.reason, /also crosses R3→R2$/);
  const counts = separations(topology, plan);
  for (const [key, n] of counts) if (!plan.underSeparated!.some((entry) => entry.linkKey === key)) assert.ok(n >= 2, `${key}: ${n}`);
});

test('deterministic, and a re-plan with the previous walks keeps them all', () => {
  const topology = nanog76();
  const first = planLinkCover(topology, { prober: 'dev1', coverage: 2, separation: 3 });
  const again = planLinkCover(topology, { prober: 'dev1', coverage: 2, separation: 3 });
  assert.deepEqual(
    again.walks.map((w) => w.id),
    first.walks.map((w) => w.id),
  );
  const replan = planLinkCover(topology, { prober: 'dev1', coverage: 2, separation: 3, previous: first.walks });
  assert.deepEqual(
    replan.walks.map((w) => w.id),
    first.walks.map((w) => w.id),
  );
});

test('a bad separation is refused, naming the value', () => {
  assert.throws(
    () => planLinkCover(nanog76(), { prober: 'dev1', separation: -1 }),
    (error: unknown) => error instanceof TopologyError && /separation must be a whole number of at least 0, got -1/.test(error.message),
  );
});
