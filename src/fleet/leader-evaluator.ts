/**
 * The fleet's one localizer and incident desk. Every agent runs this evaluator after its path states,
 * over its own round joined with the other agents' latest published rounds (merged-round.ts):
 *  - every agent feeds the merged routes to its link localizer, so the route baselines are warm the
 *    moment it takes over (a cold baseline would learn a delay fault as normal and resolve its
 *    incident); only the leader hands the estimates on, so one process writes them;
 *  - only the leader runs the incident desk, over the merged routes, the fleet's path states and the
 *    other agents' path transitions: a link crossed by two agents' walks is one subject, one incident,
 *    one ticket. A follower opens, updates and resolves nothing.
 *
 * Leadership: on every change the desk is dropped. A new leader gets a fresh desk only through resume()
 * with the incidents the store has open at that moment (the previous leader's): the same incidents, so
 * an update or a resolution lands on the ticket they already have. Until then it evaluates no
 * incidents, rather than open a second one for a subject whose incident it has not read yet.
 * followLeadership() wires that to the fleet handle.
 */
import { IncidentEvaluator, LinkEstimateEvaluator, emptyFindings, type IncidentEvaluatorOptions, type ResumingEvaluator, type RoundFindings, type RoundOutcome } from '../monitor/index.js';
import type { IncidentRecord, PathStatus } from '../incidents/index.js';
import type { LinkGroup } from '../../topology/index.js';
import { signatureGroups, type LinkLocalizerOptions } from '../localize/index.js';
import { redactError } from '../secrets/index.js';
import type { FleetLog } from './fleet-agent.js';
import { mergedOutcome, mergedPaths, PeerTransitions } from './merged-round.js';
import type { PeerRound } from './round-outcome-queries.js';

export interface FleetEvaluatorOptions extends IncidentEvaluatorOptions {
  /** Whether this agent holds the leader lease now. */
  leads: () => boolean;
  /** The other live agents' latest rounds (the exchange's cache). */
  peers: () => readonly PeerRound[];
  /** Whether this agent holds a route now (its own state of a path is then the measured one). */
  holds: (routeId: string) => boolean;
  /** Link localization (`localize.enabled`); off, incidents come from path states alone. */
  localize: boolean;
  localizer?: LinkLocalizerOptions;
}

export class FleetEvaluator implements ResumingEvaluator {
  readonly name = 'fleet evaluation';
  private readonly estimator: LinkEstimateEvaluator | null;
  private desk: IncidentEvaluator | null = null;
  private readonly transitions = new PeerTransitions();
  private paths: PathStatus[] = [];

  /**
   * The fleet's link groups: links that every route of the merged round crosses together. One agent's
   * cover plan only knows its own walks; another agent's walks may tell apart links that plan had to
   * group, or cross links it never reached, so the groups follow the whole fleet's evidence.
   */
  private groups: LinkGroup[] = [];
  /** The route ids the groups were worked out from: a route id is a digest of its links, so the same ids give the same groups. */
  private groupsOf = '';

  constructor(private readonly options: FleetEvaluatorOptions) {
    this.estimator = options.localize ? new LinkEstimateEvaluator(() => this.groups, options.localizer) : null;
  }

  /** Whether the desk holds the store's open incidents for this term as leader. */
  get evaluating(): boolean {
    return this.desk !== null;
  }

  /** Leadership changed either way: what the desk knew belongs to the previous term. */
  leadershipChanged(): void {
    this.desk = null;
    this.transitions.reset();
  }

  /**
   * The incidents the store has open. Taken only while leading (at the monitor's start no agent leads
   * yet; a new leader calls this through PathMonitor.resumeIncidents once it has read them).
   */
  resume(open: IncidentRecord[]): void {
    if (!this.options.leads()) {
      this.desk = null;
      return;
    }
    const desk = new IncidentEvaluator({ ...this.options, groups: () => this.groups, paths: () => this.paths });
    desk.resume(open);
    this.desk = desk;
    this.transitions.reset();
  }

  evaluate(outcome: RoundOutcome, findings: RoundFindings): void {
    const peers = this.options.peers();
    const merged = mergedOutcome(outcome, peers);
    // Every round on every agent: worked out again only when the fleet's routes changed.
    const routeIds = merged.routes.map((route) => route.id).join('\n');
    if (routeIds !== this.groupsOf) {
      this.groups = fleetLinkGroups(merged);
      this.groupsOf = routeIds;
    }
    const estimated = emptyFindings();
    this.estimator?.evaluate(merged, estimated);
    if (!this.options.leads()) {
      this.desk = null;
      return;
    }
    findings.estimates = estimated.estimates;
    if (this.desk === null) return;
    this.paths = mergedPaths(this.options.paths(), this.options.holds, peers);
    // The others' transitions decide path incidents here; they are stored by the agents that made them.
    const deskFindings: RoundFindings = { transitions: [...findings.transitions, ...this.transitions.take(peers)], estimates: estimated.estimates, incidentChanges: [] };
    this.desk.evaluate(merged, deskFindings);
    findings.incidentChanges.push(...deskFindings.incidentChanges);
  }
}

export interface FollowLeadershipOptions {
  fleet: { isLeader(): boolean; onLeadershipChange(listener: (leader: boolean) => void): () => void };
  evaluator: FleetEvaluator;
  /** Reads the other agents' rounds now, so the first round as leader sees them. */
  refreshPeers: () => Promise<void>;
  /** The store's open incidents. */
  openIncidents: () => Promise<IncidentRecord[]>;
  /** Hands them to the evaluators and the monitor's view (PathMonitor.resumeIncidents). */
  resumeIncidents: (open: IncidentRecord[]) => void;
  /** Delivers what the outbox holds (PathMonitor.deliverAsLeader), once the incidents are resumed. */
  deliver: () => Promise<void>;
  log: FleetLog;
}

/**
 * Keeps the evaluator's desk in step with the leader lease: dropped at every change; on becoming
 * leader (now or later) the open incidents are read and resumed, then the outbox is delivered. Returns
 * the unsubscribe; `ready` settles when the resume started now (if leading) has finished.
 */
export function followLeadership(options: FollowLeadershipOptions): { stop: () => void; ready: Promise<void> } {
  let term = 0;
  const take = async (leader: boolean): Promise<void> => {
    const mine = ++term;
    options.evaluator.leadershipChanged();
    if (!leader) return;
    try {
      await options.refreshPeers();
      const open = await options.openIncidents();
      // Lost the lease (or lost and won it again) while reading: the newer term resumes for itself.
      if (mine !== term || !options.fleet.isLeader()) return;
      options.resumeIncidents(open);
      options.log.info(`fleet: evaluating the fleet's incidents as leader (${open.length} open incident(s) resumed)`);
    } catch (error) {
      options.log.warn(`fleet: reading the open incidents as the new leader: ${redactError(error)} (no incident is evaluated until it can be read; trying again)`);
      setTimeout(() => {
        if (mine === term && options.fleet.isLeader()) void take(true);
      }, RETRY_MS).unref();
      return;
    }
    await options.deliver();
  };
  const stop = options.fleet.onLeadershipChange((leader) => void take(leader));
  const ready = options.fleet.isLeader() ? take(true) : Promise.resolve();
  return { stop, ready };
}

function fleetLinkGroups(merged: RoundOutcome): LinkGroup[] {
  const routes = merged.routes.filter((route) => route.linkKeys.length > 0).map((route) => ({ id: route.id, links: route.linkKeys }));
  return signatureGroups(routes).map((group) => ({ ...group, labels: [], reason: "every route of the fleet's latest rounds that crosses one of them crosses the others" }));
}

/** A new leader that could not read the open incidents tries again this often. */
const RETRY_MS = 2_000;
