/**
 * The link-cover planner at scale, with a deTector-PMC-style greedy as the peer in the same run.
 *
 * For fat-trees k=8/16/32 (k=32: 32,768 directed switch links) and a 500-router random connected graph
 * (seeded, average degree 4), each with a prober host on one router: pathmon's planning time (median
 * of a few runs), walks, directed links, coverage and identifiability achieved (recomputed from the
 * walks, not taken from the planner), groups, probes per round (walks × PROBES_PER_ROUTE) against
 * probing every simple path from the prober to every other host (counted, not built: see
 * plan/path-count.ts), and the re-plan time after one link is withdrawn, with the previous walks kept.
 * The peer (plan/detector-pmc.ts, implemented from the paper and its published controller) gets the
 * same topology and prober; its out-and-back paths are judged on directed links by the same code.
 *
 * Goal: k=32 planned in ≤ 2 s. Figures are printed and recorded; a missed goal never fails the run.
 */
import { loadavg } from 'node:os';
import { planLinkCover, type LinkCoverPlan } from '../../topology/index.js';
import type { Benchmark } from './benchmark.js';
import { fatTreeTopology, randomTopology, type BenchTopology } from './plan/bench-topologies.js';
import { detectorPmc } from './plan/detector-pmc.js';
import { countHostPaths } from './plan/path-count.js';
import { probeFigures, type ProbeFigures } from './plan/plan-figures.js';

const COVERAGE = 2;
const MAX_HOPS = 16;
const PROBES_PER_ROUTE = 10;
const GOAL_K32_SECONDS = 2;
/** Visits the simple-path counter may spend per hop bound before settling for a lower bound. */
const PATH_COUNT_VISITS = 50_000_000;

interface Case {
  build: () => BenchTopology;
  runs: number;
}

const CASES: Case[] = [
  { build: () => fatTreeTopology(8), runs: 5 },
  { build: () => fatTreeTopology(16), runs: 5 },
  { build: () => fatTreeTopology(32), runs: 3 },
  { build: () => randomTopology(500, 4, 15), runs: 5 },
];

export const benchmark: Benchmark = { name: 'plan', run };

async function run(log: (line: string) => void): Promise<object> {
  log(
    `load average at start: ${loadavg()
      .map((value) => value.toFixed(1))
      .join(' ')} (figures are wall time on a shared machine)`,
  );
  const results: object[] = [];
  for (const { build, runs } of CASES) results.push(benchCase(build(), runs, log));
  log(
    `load average at end: ${loadavg()
      .map((value) => value.toFixed(1))
      .join(' ')}`,
  );
  return { coverage: COVERAGE, maxHops: MAX_HOPS, probesPerRoute: PROBES_PER_ROUTE, goalK32Seconds: GOAL_K32_SECONDS, loadAverage: loadavg(), cases: results };
}

function benchCase(bench: BenchTopology, runs: number, log: (line: string) => void): object {
  const { topology, prober } = bench;
  log(`-- ${bench.name}: ${topology.graph.order} nodes, ${bench.routerLinks} router links (${2 * bench.routerLinks} directed), prober ${prober}, ${bench.hosts.length} other hosts`);

  // pathmon: one warm-up, then the median of `runs`.
  let plan: LinkCoverPlan = planLinkCover(topology, { prober, coverage: COVERAGE, maxHops: MAX_HOPS });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    plan = planLinkCover(topology, { prober, coverage: COVERAGE, maxHops: MAX_HOPS });
    times.push(plan.computeMs);
  }
  const planMs = median(times);
  const ours = probeFigures(
    plan.walks.map((walk) => walk.links.map((link) => link.key)),
    plan.linkKeys,
    COVERAGE,
  );
  log(
    `pathmon  plan ${fmtMs(planMs)} (median of ${runs}; runs ${times.map(fmtMs).join(', ')})${bench.name === 'fat-tree k=32' ? ` goal ≤ ${GOAL_K32_SECONDS} s: ${planMs <= GOAL_K32_SECONDS * 1000 ? 'met' : 'MISSED'}` : ''}`,
  );
  log(`         ${describe(ours)}; groups ${plan.groups.length}, unreachable ${plan.unreachable.length}, under-covered ${plan.underCovered.length}`);
  const separated = [...(plan.separated ?? new Map<string, number>()).values()];
  const separatedShare = separated.length === 0 ? 1 : separated.filter((n) => n >= COVERAGE).length / separated.length;
  log(
    `         directions with a reverse crossed without it ≥ ${COVERAGE} times (separation): ${pct(separatedShare)} of ${separated.length}; under-separated ${plan.underSeparated?.length ?? 0} (no walk can: ${plan.underSeparated?.filter((u) => /also crosses/.test(u.reason)).length ?? 0})`,
  );

  // Re-plan after one router link goes (both directions, as BGP-LS withdraws both NLRIs): one next to
  // the prober, which most walks cross, and one far from it.
  const routerLinks = plan.linkKeys.filter((key) => {
    const link = topology.graph.getEdgeAttributes(key);
    return topology.node(link.from).kind === 'router' && topology.node(link.to).kind === 'router';
  });
  const replans = [routerLinks[0]!, routerLinks[routerLinks.length - 1]!].map((key) => replanAfterWithdraw(bench, plan, key));
  for (const r of replans) {
    log(
      `         re-plan after withdrawing ${r.withdrawn}: ${fmtMs(r.ms)}, ${r.kept} walks kept, ${r.added} new, ${r.gone} gone; ` +
        `coverage ≥ ${COVERAGE} ${pct(r.coveredShare)}, identifiable ${pct(r.identifiableShare)}`,
    );
  }

  // Every simple path to every other host, counted.
  const paths = countHostPaths(topology, prober, bench.hosts, MAX_HOPS, PATH_COUNT_VISITS);
  const pathProbes = paths.paths * PROBES_PER_ROUTE;
  const pathNote = paths.complete
    ? `within maxHops ${MAX_HOPS}`
    : `within ${paths.withinHops} hops only, a lower bound for maxHops ${MAX_HOPS} (counting further exceeds ${PATH_COUNT_VISITS.toLocaleString('en-US')} visits)`;
  log(
    `         probes per round: walks ${fmtInt(ours.probes * PROBES_PER_ROUTE)} vs every simple path to every host ${paths.complete ? '' : '≥ '}${fmtInt(pathProbes)} (${fmtInt(paths.paths)} paths ${pathNote})`,
  );

  // The peer, on the same topology and prober.
  const pmc = detectorPmc(topology, prober, COVERAGE);
  if (!pmc.finished) log(`         (the peer ran out of its time budget after ${pmc.seconds.toFixed(0)} s; figures are for what it had chosen)`);
  const theirs = probeFigures(pmc.probes, plan.linkKeys, COVERAGE);
  log(`deTector-PMC (peer, implemented from the paper; loop-mode shortest paths to every router, ${fmtInt(pmc.candidates)} candidates): ${fmtMs(pmc.seconds * 1000)}`);
  log(
    `         ${describe(theirs)}; by its own undirected measure ${pmc.undirectedIdentifiable}/${pmc.undirectedLinks} links identifiable — out-and-back paths cannot tell a direction from its reverse`,
  );

  return {
    topology: bench.name,
    nodes: topology.graph.order,
    routerLinks: bench.routerLinks,
    pathmon: {
      planMsMedian: planMs,
      planMsRuns: times,
      ...ours,
      groups: plan.groups.length,
      unreachable: plan.unreachable.length,
      underCovered: plan.underCovered.length,
      separatedShare,
      underSeparated: plan.underSeparated?.length ?? 0,
      probesPerRound: ours.probes * PROBES_PER_ROUTE,
      replans,
    },
    everySimplePath: { paths: paths.paths, withinHops: paths.withinHops, lowerBound: !paths.complete, probesPerRound: pathProbes },
    detectorPmc: {
      seconds: pmc.seconds,
      finished: pmc.finished,
      candidates: pmc.candidates,
      ...theirs,
      probesPerRound: theirs.probes * PROBES_PER_ROUTE,
      undirectedLinks: pmc.undirectedLinks,
      undirectedIdentifiable: pmc.undirectedIdentifiable,
    },
    goalMet: bench.name === 'fat-tree k=32' ? planMs <= GOAL_K32_SECONDS * 1000 : undefined,
  };
}

/** Withdraws both directions of a link, re-plans with the previous walks, then restores the link. */
function replanAfterWithdraw(bench: BenchTopology, plan: LinkCoverPlan, key: string) {
  const { topology, prober } = bench;
  const link = topology.graph.getEdgeAttributes(key);
  const reverse = topology.linksBetween(link.to, link.from).find((r) => r.localAddress === link.neighborAddress);
  topology.apply({ kind: 'link-down', linkKey: key });
  if (reverse) topology.apply({ kind: 'link-down', linkKey: reverse.key });
  const replan = planLinkCover(topology, { prober, coverage: COVERAGE, maxHops: MAX_HOPS, previous: plan.walks });
  topology.apply({ kind: 'link-up', link });
  if (reverse) topology.apply({ kind: 'link-up', link: reverse });
  const previousIds = new Set(plan.walks.map((walk) => walk.id));
  const kept = replan.walks.filter((walk) => previousIds.has(walk.id)).length;
  const after = probeFigures(
    replan.walks.map((walk) => walk.links.map((l) => l.key)),
    replan.linkKeys,
    COVERAGE,
  );
  return {
    withdrawn: `${topology.node(link.from).name}–${topology.node(link.to).name}`,
    ms: replan.computeMs,
    kept,
    added: replan.walks.length - kept,
    gone: plan.walks.length - kept,
    coveredShare: after.coveredShare,
    identifiableShare: after.identifiableShare,
  };
}

function describe(figures: ProbeFigures): string {
  return (
    `${fmtInt(figures.probes)} probes over ${fmtInt(figures.directedLinks)} directed links (mean ${figures.meanLegs.toFixed(1)} legs, max ${figures.maxLegs}): ` +
    `coverage min ${figures.minCoverage}, ≥ ${COVERAGE} for ${pct(figures.coveredShare)}; identifiable ${pct(figures.identifiableShare)}`
  );
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmtMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const fmtInt = (n: number) => n.toLocaleString('en-US');
const pct = (share: number) => `${(100 * share).toFixed(1)} %`;
