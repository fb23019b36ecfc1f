/**
 * Accuracy against ground truth, in the nanog76 lab: delays of 1, 5 and 20 ms are put on R2–R4 (both
 * directions, so a loop path that crosses it is delayed twice) and pathmon probes every dev1→dev2 loop
 * path from dev1. The truth for each probe is what the lab routers record they did to it
 * (lab/router/truth-records.ts): the delay actually applied, late releases included, so the routers'
 * timer granularity is never counted as pathmon's error.
 *
 * pathmon's estimate of the added delay for one probe is its RTT minus the path's median RTT in an
 * unimpaired round; its error is that estimate minus the truth. The figures per path are the median
 * and 99th percentile of |error| over its probes. A second set subtracts each probe's recorded time
 * inside the router processes as well, which leaves only pathmon's and the kernel's share; the routers'
 * own per-hop processing time is reported apart. Both receive paths are measured (kernel timestamps
 * through probe-rx, event-loop time on a dgram socket), so the choice between them rests on this data.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { uniqueLabName } from '../../helpers/cli.js';
import { repoRoot } from '../../helpers/repo-root.js';
import { loadTopology } from '../../../src/load-topology.js';
import { planPaths } from '../../../src/plan-paths.js';
import { labDown, labImpair, labUp, namespaceName } from '../../../lab/index.js';
import { labDir } from '../../../lab/lab-state.js';
import { readTruthRecords, truthKey, type LabTruth } from '../../../lab/router/truth-records.js';
import type { PathAddressing } from '../../../probes/index.js';
import { probeChild } from './bench-net.js';

const TOPOLOGY = join(repoRoot, 'lab', 'topologies', 'nanog76.yaml');
const DELAYS_MS = [1, 5, 20];
const LINK = ['R2', 'R4'] as const;

interface SamplesResult {
  sessionId: number;
  samplesNs: (number | null)[][];
}

export interface PathAccuracy {
  path: string;
  crossesDelayedLink: boolean;
  probes: number;
  meanAppliedMs: number;
  medianErrUs: number;
  p99ErrUs: number;
  medianErrExclRouterUs: number;
  p99ErrExclRouterUs: number;
}

export interface DelayAccuracy {
  delayMs: number;
  receiver: 'kernel' | 'dgram';
  paths: PathAccuracy[];
  /** Worst path. */
  medianErrUs: number;
  p99ErrUs: number;
}

export interface AccuracyResult {
  lab: string;
  link: string;
  probesPerPathPerRound: number;
  byDelay: DelayAccuracy[];
  /** Worst path over every delay, kernel timestamps (the engine's default). */
  medianErrUs: number;
  p99ErrUs: number;
  /** The same with dgram (event-loop) timestamps. */
  dgram: { medianErrUs: number; p99ErrUs: number };
  routerOverheadUs: Record<string, { probes: number; median: number; p99: number }>;
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

// The lab's library, not the CLI: the CLI loads every command, and this measures only the lab.
const impair = (lab: string, change: { delayMs?: number; clear?: boolean }) => labImpair(lab, LINK[0], LINK[1], change);

export async function measureLabAccuracy(log: (line: string) => void, options: { count?: number; intervalMs?: number } = {}): Promise<AccuracyResult> {
  const count = options.count ?? 300;
  const intervalMs = options.intervalMs ?? 10;
  const { topology } = loadTopology(TOPOLOGY);
  const planned = planPaths(topology, 'dev1', 'dev2', {}, 'loop').planned.filter((entry) => entry.hops);
  const addressing: PathAddressing[] = planned.map((entry) => ({ source: entry.hops!.source, hops: entry.hops!.hops, returnAddress: entry.hops!.returnAddress }));
  const names = planned.map((entry) => entry.path.names.join(' '));
  const crosses = planned.map((entry) => entry.path.names.some((name, i) => (name === LINK[0] && entry.path.names[i + 1] === LINK[1]) || (name === LINK[1] && entry.path.names[i + 1] === LINK[0])));
  const lab = uniqueLabName();
  const prober = namespaceName(lab, 'dev1');
  const source = addressing[0]!.source;
  await labUp(TOPOLOGY, { name: lab });
  try {
    mkdirSync(join(labDir(lab), 'truth'), { recursive: true });
    impair(lab, { clear: true }); // SIGHUP: routers start recording
    const rounds: { delayMs: number; receiver: 'kernel' | 'dgram'; result: SamplesResult }[] = [];
    for (const receiver of ['kernel', 'dgram'] as const) {
      for (const delayMs of [0, ...DELAYS_MS]) {
        if (delayMs > 0) impair(lab, { clear: true, delayMs });
        const result = probeChild<SamplesResult>(prober, { job: 'samples', receiver, source, addressing, count, intervalMs, timeoutMs: 1000 });
        if (delayMs > 0) impair(lab, { clear: true });
        rounds.push({ delayMs, receiver, result });
        log(`  accuracy: ${receiver} timestamps, ${delayMs} ms on ${LINK.join('-')}: ${count} probes on each of ${names.length} paths`);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 1500)); // routers flush truth once a second
    const truth = readTruthRecords(labDir(lab));
    return summarise(lab, rounds, truth, names, crosses, count);
  } finally {
    labDown(lab);
  }
}

function summarise(
  lab: string,
  rounds: { delayMs: number; receiver: 'kernel' | 'dgram'; result: SamplesResult }[],
  truth: LabTruth,
  names: string[],
  crosses: boolean[],
  count: number,
): AccuracyResult {
  const lookup = (round: SamplesResult, pathId: number, sequence: number) => truth.probes.get(truthKey(round.sessionId, pathId, sequence));
  const byDelay: DelayAccuracy[] = [];
  for (const receiver of ['kernel', 'dgram'] as const) {
    const baseline = rounds.find((r) => r.receiver === receiver && r.delayMs === 0)!.result;
    const baseRtt = names.map((_, p) => quantile(baseline.samplesNs[p]!.filter((x): x is number => x !== null), 0.5));
    const baseNet = names.map((_, p) =>
      quantile(
        baseline.samplesNs[p]!.flatMap((rtt, seq) => {
          const t = lookup(baseline, p, seq);
          return rtt === null || !t ? [] : [rtt - t.holdNs];
        }),
        0.5,
      ),
    );
    for (const { delayMs, result } of rounds.filter((r) => r.receiver === receiver && r.delayMs > 0)) {
      const paths = names.map((path, p): PathAccuracy => {
        const err: number[] = [];
        const errNet: number[] = [];
        let applied = 0;
        result.samplesNs[p]!.forEach((rtt, seq) => {
          const t = lookup(result, p, seq);
          if (rtt === null || !t) return;
          applied += t.appliedDelayNs;
          err.push(Math.abs(rtt - baseRtt[p]! - t.appliedDelayNs) / 1e3);
          errNet.push(Math.abs(rtt - t.holdNs - baseNet[p]!) / 1e3);
        });
        return {
          path,
          crossesDelayedLink: crosses[p]!,
          probes: err.length,
          meanAppliedMs: Math.round((applied / Math.max(1, err.length) / 1e6) * 1000) / 1000,
          medianErrUs: round1(quantile(err, 0.5)),
          p99ErrUs: round1(quantile(err, 0.99)),
          medianErrExclRouterUs: round1(quantile(errNet, 0.5)),
          p99ErrExclRouterUs: round1(quantile(errNet, 0.99)),
        };
      });
      byDelay.push({ delayMs, receiver, paths, medianErrUs: Math.max(...paths.map((p) => p.medianErrUs)), p99ErrUs: Math.max(...paths.map((p) => p.p99ErrUs)) });
    }
  }
  const worst = (receiver: 'kernel' | 'dgram') => {
    const rows = byDelay.filter((d) => d.receiver === receiver);
    return { medianErrUs: Math.max(...rows.map((d) => d.medianErrUs)), p99ErrUs: Math.max(...rows.map((d) => d.p99ErrUs)) };
  };
  const routerOverheadUs: AccuracyResult['routerOverheadUs'] = {};
  for (const [router, overhead] of [...truth.routerOverheadNs.entries()].sort()) {
    const us = Array.from(overhead, (x) => x / 1e3);
    routerOverheadUs[router] = { probes: us.length, median: round1(quantile(us, 0.5)), p99: round1(quantile(us, 0.99)) };
  }
  return { lab, link: LINK.join('-'), probesPerPathPerRound: count, byDelay, ...worst('kernel'), dgram: worst('dgram'), routerOverheadUs };
}
