/**
 * A small loss in both directions of one link, on the nanog76 lab's real plan: cover walks from dev1
 * (coverage 2, separation 3, 200 probes each) plus the eight loop-mode user paths dev1→dev2 (5 probes
 * each). Both directions must be blamed with their own figure, and nothing else: a two-way fault must
 * not be folded into one direction by walks that cross both. Walks crossing both directions only bound
 * the sum of the two losses; the split rests on the walks crossing one direction without its reverse,
 * which the plan's `separation` asks for.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildTopology, parseYamlTopology, planLinkCover, type TopologyGraph } from '../../../topology/index.js';
import { planPaths } from '../../../src/plan-paths.js';
import { estimateLinks, isBlamed, subjectKeyOf, type RouteObservation } from '../../../src/localize/index.js';
import { repoRoot } from '../../helpers/repo-root.js';
import { seededRandom } from './localize-fixtures.js';

/**
 * Rounds pooled for the figures (binomially the same as one round with this many times the probes):
 * what the incident evaluator's mean over its 3 deciding rounds amounts to. One round already blames
 * both directions; its figures are ±1.5 points apart at 200 probes, which ±30 % of 5 % is.
 */
const WINDOW = 3;
/** Separating walks per direction. Separation 2 (the default at coverage 2) left the split at ~70 %. */
const SEPARATION = 3;

interface Route {
  id: string;
  links: string[];
  sent: number;
}

function nanog76Routes(window: number): { topology: TopologyGraph; routes: Route[]; groups: { id: string; linkKeys: string[] }[] } {
  const topology = buildTopology(parseYamlTopology(readFileSync(join(repoRoot, 'lab/topologies/nanog76.yaml'), 'utf8'), 'nanog76.yaml').events);
  const plan = planLinkCover(topology, { prober: 'dev1', coverage: 2, separation: SEPARATION, maxHops: 16 });
  const routes: Route[] = plan.walks.map((walk) => ({ id: walk.id, links: walk.links.map((link) => link.key), sent: 200 * window }));
  for (const planned of planPaths(topology, 'dev1', 'dev2', {}, 'loop').planned) {
    if (!planned.hops) continue;
    routes.push({ id: planned.path.id, links: planned.hops.crossed.map((link) => link.key), sent: 5 * window });
  }
  return { topology, routes, groups: plan.groups.map((g) => ({ id: g.id, linkKeys: [...g.linkKeys] })) };
}

function keyBetween(topology: TopologyGraph, from: string, to: string): string {
  for (const key of topology.graph.edges()) {
    const link = topology.graph.getEdgeAttributes(key);
    if (topology.node(link.from).name === from && topology.node(link.to).name === to) return key;
  }
  throw new Error(`no link ${from}→${to}`);
}

/** One round: each probe is lost on each crossing with its link's loss ratio (binomial per route). */
function round(routes: Route[], loss: Map<string, number>, random: () => number): RouteObservation[] {
  return routes.map(({ id, links, sent }) => {
    let received = 0;
    for (let probe = 0; probe < sent; probe++) {
      if (links.every((link) => random() >= (loss.get(link) ?? 0))) received++;
    }
    return { id, links, sent, received, rttP50Ms: received === 0 ? null : 1, baselineP50Ms: 1, baselineSpreadMs: 0.01 };
  });
}

describe('estimateLinks on the nanog76 plan', () => {
  it('blames 5 % loss in each direction of R3–R5 on both directions in a single round', () => {
    const { topology, routes, groups } = nanog76Routes(1);
    const forward = keyBetween(topology, 'R3', 'R5');
    const backward = keyBetween(topology, 'R5', 'R3');
    const loss = new Map([
      [forward, 0.05],
      [backward, 0.05],
    ]);
    const random = seededRandom(75);
    let both = 0;
    const failures: string[] = [];
    for (let r = 0; r < 30; r++) {
      const found = estimateLinks(round(routes, loss, random), { groups }).estimates.filter(isBlamed);
      const byKey = new Map(found.map((e) => [subjectKeyOf(e.subject), e.lossRatio]));
      if (byKey.has(`link:${forward}`) && byKey.has(`link:${backward}`)) both++;
      else failures.push(`round ${r}: ${[...byKey].map(([k, v]) => `${k}=${v.toFixed(3)}`).join(' ')}`);
    }
    assert.ok(both >= 27, `${both} of 30 rounds blamed both directions:\n${failures.join('\n')}`);
  });

  it(`blames 5 % loss in each direction of R3–R5 on both directions, each near 5 %, nothing else, over a ${WINDOW}-round window`, () => {
    const { topology, routes, groups } = nanog76Routes(WINDOW);
    const forward = keyBetween(topology, 'R3', 'R5');
    const backward = keyBetween(topology, 'R5', 'R3');
    const loss = new Map([
      [forward, 0.05],
      [backward, 0.05],
    ]);
    const random = seededRandom(76);
    let good = 0;
    const failures: string[] = [];
    for (let r = 0; r < 30; r++) {
      const found = estimateLinks(round(routes, loss, random), { groups }).estimates.filter(isBlamed);
      const byKey = new Map(found.map((e) => [subjectKeyOf(e.subject), e.lossRatio]));
      const near = (key: string) => Math.abs((byKey.get(`link:${key}`) ?? 0) - 0.05) <= 0.05 * 0.3;
      if (byKey.size === 2 && near(forward) && near(backward)) good++;
      else failures.push(`round ${r}: ${[...byKey].map(([k, v]) => `${k}=${v.toFixed(3)}`).join(' ')}`);
    }
    assert.ok(good >= 27, `${good} of 30 rounds right:\n${failures.join('\n')}`);
  });
});
