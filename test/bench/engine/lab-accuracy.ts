/**
 * Accuracy against ground truth, in the nanog76 lab: delays of 1, 5 and 20 ms are put on R2–R4 (both
 * directions, so a loop path that crosses it is delayed twice) and pathmon probes every dev1→dev2 loop
 * path from dev1, sending through probe-tx. The lab's routers run the C forwarding path
 * (PATHMON_LAB_ROUTER=c): each packet is stamped by the kernel as it enters the router's namespace,
 * a delayed one is released at that stamp + its delay (polled over the last 150 us, never a coarse
 * timer), and the router records release - arrival for every probe. So the truth holds what the
 * network stand-in did, including any wait for a router to be scheduled, and none of that can pass for
 * pathmon's error.
 *
 * Estimator (ESTIMATOR below): per probe, RTT minus the path's median RTT in the undelayed round of the
 * same run; its error is the difference from the delay the routers recorded applying to that probe.
 * A second figure counts every hop's time in the routers (less its own undelayed median) as truth,
 * which also forgives scheduling on undelayed hops. Both receive paths are measured (kernel timestamps
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
  /** Mean of the delay the routers recorded applying (release - kernel arrival on the delayed hops). */
  meanAppliedMs: number;
  /** |(RTT - baseline RTT) - applied delay|: the estimate against the injected truth. */
  medianErrUs: number;
  p99ErrUs: number;
  /** |(RTT - baseline RTT) - (time held in all routers - its baseline)|: scheduling on undelayed hops counted as truth too. */
  medianErrAllHopsUs: number;
  p99ErrAllHopsUs: number;
}

export interface DelayAccuracy {
  delayMs: number;
  receiver: 'kernel' | 'dgram';
  paths: PathAccuracy[];
  /** Worst path. */
  medianErrUs: number;
  p99ErrUs: number;
  medianErrAllHopsUs: number;
  p99ErrAllHopsUs: number;
}

export interface AccuracyResult {
  lab: string;
  link: string;
  routers: 'c';
  estimator: string;
  probesPerPathPerRound: number;
  byDelay: DelayAccuracy[];
  /** Worst path over every delay, kernel timestamps (the engine's default). */
  medianErrUs: number;
  p99ErrUs: number;
  /** The same with every hop's hold (less its undelayed median) as truth, kernel timestamps. */
  allHops: { medianErrUs: number; p99ErrUs: number };
  /** The same two with dgram (event-loop) timestamps. */
  dgram: { medianErrUs: number; p99ErrUs: number; allHops: { medianErrUs: number; p99ErrUs: number } };
  /** Time an undelayed probe spent in each router, kernel arrival to send. */
  routerOverheadUs: Record<string, { probes: number; median: number; p99: number }>;
}

const ESTIMATOR =
  "per probe, estimate = RTT - the path's median RTT in the undelayed round of the same run; truth = the delay the routers recorded applying to that probe (release time - kernel arrival time, summed over delayed hops); error = |estimate - truth|, median and p99 per path, worst path reported";

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
  // The C forwarding path (lab/router/c-forwarder.ts): kernel arrival stamps and precise releases.
  const previousRouter = process.env.PATHMON_LAB_ROUTER;
  process.env.PATHMON_LAB_ROUTER = 'c';
  try {
    await labUp(TOPOLOGY, { name: lab });
  } finally {
    if (previousRouter === undefined) delete process.env.PATHMON_LAB_ROUTER;
    else process.env.PATHMON_LAB_ROUTER = previousRouter;
  }
  try {
    mkdirSync(join(labDir(lab), 'truth'), { recursive: true });
    impair(lab, { clear: true }); // SIGHUP: routers start recording
    const rounds: { delayMs: number; receiver: 'kernel' | 'dgram'; result: SamplesResult }[] = [];
    for (const receiver of ['kernel', 'dgram'] as const) {
      for (const delayMs of [0, ...DELAYS_MS]) {
        if (delayMs > 0) impair(lab, { clear: true, delayMs });
        const result = probeChild<SamplesResult>(prober, { job: 'samples', receiver, sender: 'native', source, addressing, count, intervalMs, timeoutMs: 1000 });
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
  const present = (values: (number | null)[]) => values.filter((x): x is number => x !== null);
  for (const receiver of ['kernel', 'dgram'] as const) {
    const baseline = rounds.find((r) => r.receiver === receiver && r.delayMs === 0)!.result;
    const baseRtt = names.map((_, p) => quantile(present(baseline.samplesNs[p]!), 0.5));
    const baseHold = names.map((_, p) => quantile(present(baseline.samplesNs[p]!.map((rtt, seq) => (rtt === null ? null : (lookup(baseline, p, seq)?.holdNs ?? null)))), 0.5));
    for (const { delayMs, result } of rounds.filter((r) => r.receiver === receiver && r.delayMs > 0)) {
      const paths = names.map((path, p): PathAccuracy => {
        const err: number[] = [];
        const errAll: number[] = [];
        let applied = 0;
        result.samplesNs[p]!.forEach((rtt, seq) => {
          const t = lookup(result, p, seq);
          if (rtt === null || !t) return;
          const estimate = rtt - baseRtt[p]!;
          applied += t.appliedDelayNs;
          err.push(Math.abs(estimate - t.appliedDelayNs) / 1e3);
          errAll.push(Math.abs(estimate - (t.holdNs - baseHold[p]!)) / 1e3);
        });
        return {
          path,
          crossesDelayedLink: crosses[p]!,
          probes: err.length,
          meanAppliedMs: Math.round((applied / Math.max(1, err.length) / 1e6) * 1000) / 1000,
          medianErrUs: round1(quantile(err, 0.5)),
          p99ErrUs: round1(quantile(err, 0.99)),
          medianErrAllHopsUs: round1(quantile(errAll, 0.5)),
          p99ErrAllHopsUs: round1(quantile(errAll, 0.99)),
        };
      });
      const worstOf = (f: (p: PathAccuracy) => number) => Math.max(...paths.map(f));
      byDelay.push({
        delayMs,
        receiver,
        paths,
        medianErrUs: worstOf((x) => x.medianErrUs),
        p99ErrUs: worstOf((x) => x.p99ErrUs),
        medianErrAllHopsUs: worstOf((x) => x.medianErrAllHopsUs),
        p99ErrAllHopsUs: worstOf((x) => x.p99ErrAllHopsUs),
      });
    }
  }
  const worst = (receiver: 'kernel' | 'dgram') => {
    const rows = byDelay.filter((d) => d.receiver === receiver);
    return {
      medianErrUs: Math.max(...rows.map((d) => d.medianErrUs)),
      p99ErrUs: Math.max(...rows.map((d) => d.p99ErrUs)),
      allHops: { medianErrUs: Math.max(...rows.map((d) => d.medianErrAllHopsUs)), p99ErrUs: Math.max(...rows.map((d) => d.p99ErrAllHopsUs)) },
    };
  };
  const routerOverheadUs: AccuracyResult['routerOverheadUs'] = {};
  for (const [router, overhead] of [...truth.routerOverheadNs.entries()].sort()) {
    const us = Array.from(overhead, (x) => x / 1e3).filter((x) => x > 0); // 0: a delayed probe, whose hold is all applied delay
    routerOverheadUs[router] = { probes: us.length, median: round1(quantile(us, 0.5)), p99: round1(quantile(us, 0.99)) };
  }
  return { lab, link: LINK.join('-'), routers: 'c', estimator: ESTIMATOR, probesPerPathPerRound: count, byDelay, ...worst('kernel'), dgram: worst('dgram'), routerOverheadUs };
}
