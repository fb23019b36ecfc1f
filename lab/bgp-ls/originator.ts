/**
 * The lab's BGP-LS originator: polls the IGP's link-state database, turns each snapshot into BGP-LS
 * routes, and tells gobgpd only what changed (withdraws first, so a failed link leaves the feed as soon
 * as possible). It is what a router's BGP-LS speaker does, done from outside FRR because FRR 8.4's bgpd
 * has no BGP-LS.
 *
 * Every change is logged as one JSON line with wall-clock times (epoch ms, sub-ms): when the poll first
 * saw it (`seenAtMs`) and when gobgpd had accepted all of it (`sentAtMs`). Wall clock, because the
 * benchmark compares them with times taken in other processes: `lab impair` before the link went down,
 * ExaBGP's own `time` on the withdraw line, and pathmon's re-plan. That splits the chain into what the
 * IGP took, what this process and gobgpd took, and what pathmon took.
 *
 * I/O comes in through `OriginatorIo`, so tests drive `step()` with a fake LSDB and a fake gobgpd.
 */
import { igpTopologyFromOspf } from './ospf-lsdb.js';
import { diffLsRoutes, lsRoutes, type LsRoute, type LsRouteOptions } from './ls-routes.js';

export interface OriginatorIo {
  /** The JSON of `show ip ospf database router json`. */
  readLsdb(): Promise<string>;
  addLsPath(nlri: Buffer, attribute: Buffer, nextHop: string): Promise<void>;
  deleteLsPath(nlri: Buffer): Promise<void>;
  /** Wall clock, epoch ms with a fraction. */
  nowMs(): number;
  log(entry: Record<string, unknown>): void;
}

export interface OriginatorOptions extends LsRouteOptions {
  /** BGP next hop of every route: the speaker's address towards the prober. */
  nextHop: string;
  /** The lab is converged when the IGP shows this many routers and link directions. */
  expectedNodes: number;
  expectedLinks: number;
}

export interface StepResult {
  /** Routes announced and withdrawn in this step. */
  announced: number;
  withdrawn: number;
  failed: number;
  /** gobgpd holds exactly what the IGP shows, and the IGP shows the whole lab. */
  converged: boolean;
}

export class Originator {
  /** What gobgpd holds from us, by NLRI hex. */
  private readonly sent = new Map<string, LsRoute>();
  private lastError: string | undefined;

  constructor(
    private readonly io: OriginatorIo,
    private readonly options: OriginatorOptions,
  ) {}

  async step(): Promise<StepResult> {
    let desired: Map<string, LsRoute>;
    let counts: { nodes: number; links: number };
    try {
      const topology = igpTopologyFromOspf(await this.io.readLsdb());
      desired = lsRoutes(topology, this.options);
      counts = { nodes: topology.nodes.length, links: topology.links.length };
    } catch (error) {
      this.logErrorOnce('read-lsdb', error);
      return { announced: 0, withdrawn: 0, failed: 0, converged: false };
    }
    const seenAtMs = this.io.nowMs();
    const diff = diffLsRoutes(this.sent, desired);
    let failed = 0;
    let withdrawn = 0;
    let announced = 0;
    if (diff.withdraw.length > 0 || diff.announce.length > 0) {
      this.io.log({ event: 'igp-change', seenAtMs, withdraw: diff.withdraw.map((r) => r.description), announce: diff.announce.map((r) => r.description) });
      // All withdraws at once, then all announces at once: gobgpd takes concurrent calls, and one round
      // trip per route in sequence would put tens of ms between the first and last withdraw of a link.
      const withdrawals = await Promise.allSettled(diff.withdraw.map((route) => this.io.deleteLsPath(route.nlri)));
      withdrawals.forEach((outcome, i) => {
        if (outcome.status === 'fulfilled') {
          this.sent.delete(diff.withdraw[i]!.nlri.toString('hex'));
          withdrawn++;
        } else {
          failed++;
          this.logErrorOnce('delete-path', outcome.reason);
        }
      });
      const announcements = await Promise.allSettled(diff.announce.map((route) => this.io.addLsPath(route.nlri, route.attribute, this.options.nextHop)));
      announcements.forEach((outcome, i) => {
        if (outcome.status === 'fulfilled') {
          this.sent.set(diff.announce[i]!.nlri.toString('hex'), diff.announce[i]!);
          announced++;
        } else {
          failed++;
          this.logErrorOnce('add-path', outcome.reason);
        }
      });
      this.io.log({ event: 'sent', seenAtMs, sentAtMs: this.io.nowMs(), withdrawn, announced, failed });
      if (failed === 0) this.lastError = undefined;
    }
    const converged = failed === 0 && counts.nodes >= this.options.expectedNodes && counts.links >= this.options.expectedLinks;
    return { announced, withdrawn, failed, converged };
  }

  /** Routes gobgpd holds from this originator. */
  get sentCount(): number {
    return this.sent.size;
  }

  // The loop polls every 100 ms: an error that persists (gobgpd still starting) is logged once, not ten times a second.
  private logErrorOnce(stage: string, error: unknown): void {
    const message = `${stage}: ${(error as Error).message}`;
    if (message === this.lastError) return;
    this.lastError = message;
    this.io.log({ event: 'error', atMs: this.io.nowMs(), stage, message: (error as Error).message });
  }
}
