/**
 * One round over the targets that are due, through the probe kinds' TargetProbers: each DNS name is
 * resolved first (once per round, however many groups name it), then each group's targets go to its
 * kind's prober in one runRound (a group shares its probe count, spacing, timeout and source address).
 * A prober is bound to one source address, so there is one per kind and source address; groups on
 * one prober run one after another on its sockets, different probers at the same time.
 *
 * A target whose name did not resolve, or whose kind's prober failed this round, comes back as a lost
 * round (every probe counted sent and lost) with the reason: the monitor judges it like any loss, so
 * a name removed from DNS turns the target DOWN after the usual hysteresis instead of stopping pathmon.
 */
import type { KindDropCounts, TargetProber, TargetProberOptions } from '../../probes/index.js';
import { redactError } from '../secrets/index.js';
import { resolveHosts, systemHostResolver, type HostResolver } from './host-resolver.js';
import type { TargetRoute } from './target-route.js';
import { lostRound, type TargetRoundOutput, type TargetRouteResult } from './target-round-result.js';

export interface ProberTargetRoundsOptions {
  resolver?: HostResolver;
  /** Longest a name may take to resolve (default 5000 ms). */
  resolveTimeoutMs?: number;
}

type Kind = TargetRoute['kind'];

export class ProberTargetRounds {
  /** By `kind|sourceAddress`. */
  private readonly probers = new Map<string, Promise<TargetProber>>();
  private readonly resolver: HostResolver;
  private readonly resolveTimeoutMs: number;

  constructor(
    readonly routes: readonly TargetRoute[],
    private readonly openProber: (kind: Kind, options: TargetProberOptions) => Promise<TargetProber>,
    options: ProberTargetRoundsOptions = {},
  ) {
    this.resolver = options.resolver ?? systemHostResolver;
    this.resolveTimeoutMs = options.resolveTimeoutMs ?? 5000;
  }

  /** Opens every kind's sockets now, so a missing privilege is said at start. @throws what the kind throws */
  async open(): Promise<void> {
    const wanted = new Map(this.routes.map((route) => [proberKey(route), route]));
    await Promise.all([...wanted.values()].map((route) => this.proberFor(route)));
  }

  async run(routes: readonly TargetRoute[]): Promise<TargetRoundOutput> {
    const drops: KindDropCounts = { malformed: 0, foreign: 0, forged: 0 };
    const results: TargetRouteResult[] = new Array(routes.length);
    if (routes.length === 0) return { results, drops };
    const resolved = await resolveHosts(
      routes.map((route) => route.target.host),
      this.resolver,
      this.resolveTimeoutMs,
    );

    // Batches of one group (shared options), in the order given; batches of one kind share its sockets.
    const batches = new Map<string, number[]>();
    routes.forEach((route, index) => batches.set(route.group, [...(batches.get(route.group) ?? []), index]));
    const byProber = new Map<string, number[][]>();
    for (const indexes of batches.values()) {
      const key = proberKey(routes[indexes[0]!]!);
      byProber.set(key, [...(byProber.get(key) ?? []), indexes]);
    }
    await Promise.all(
      [...byProber.values()].map(async (proberBatches) => {
        for (const indexes of proberBatches) await this.runBatch(routes, indexes, resolved, results, drops);
      }),
    );
    return { results, drops };
  }

  async close(): Promise<void> {
    const probers = [...this.probers.values()];
    this.probers.clear();
    for (const opening of probers) {
      const prober = await opening.catch(() => null);
      await prober?.close();
    }
  }

  private async runBatch(routes: readonly TargetRoute[], indexes: number[], resolved: Awaited<ReturnType<typeof resolveHosts>>, results: TargetRouteResult[], drops: KindDropCounts): Promise<void> {
    const first = routes[indexes[0]!]!;
    const { options, kind } = first;
    const live: number[] = [];
    for (const index of indexes) {
      const resolution = resolved.get(routes[index]!.target.host)!;
      if (resolution.address === null) results[index] = lostRound(options.count, null, resolution.problem);
      else live.push(index);
    }
    if (live.length === 0) return;
    const addressing = live.map((index) => ({ ...routes[index]!.addressing, address: resolved.get(routes[index]!.target.host)!.address! }));
    try {
      const prober = await this.proberFor(first);
      const round = await prober.runRound(addressing, options);
      live.forEach((index, i) => {
        results[index] = {
          stats: round.perTarget[i]!,
          samplesNs: round.samplesNs[i] ?? new Float64Array(0),
          address: addressing[i]!.address,
          problem: null,
          refused: round.refused[i] ?? 0,
          failedSourcePorts: round.failedSourcePorts[i] ?? [],
        };
      });
      drops.malformed += round.drops.malformed;
      drops.foreign += round.drops.foreign;
      drops.forged += round.drops.forged;
    } catch (error) {
      const problem = `the ${kind} prober failed: ${redactError(error)}`;
      live.forEach((index, i) => (results[index] = lostRound(options.count, addressing[i]!.address, problem)));
    }
  }

  private proberFor(route: TargetRoute): Promise<TargetProber> {
    const key = proberKey(route);
    let opening = this.probers.get(key);
    if (!opening) {
      const sourceAddress = route.addressing.sourceAddress;
      opening = this.openProber(route.kind, sourceAddress === undefined ? {} : { sourceAddress });
      // A failed open is tried again next round (a capability granted meanwhile), not cached.
      opening.catch(() => this.probers.delete(key));
      this.probers.set(key, opening);
    }
    return opening;
  }
}

function proberKey(route: TargetRoute): string {
  return `${route.kind}|${route.addressing.sourceAddress ?? ''}`;
}
