/**
 * The monitoring loop behind `pathmon run`, and the MonitorView the dashboard reads.
 *
 * Each round: apply any new plan (paths the topology removed become GONE at once, new ones are
 * registered; cover walks likewise), probe every planned path (`probesPerRound` probes each), then every
 * cover walk (`localize.probesPerWalk` each), hand the rows to the batching writer (which never waits
 * for the database), and make one RoundOutcome of it all. The outcome goes to the listeners and to the
 * evaluators in order (path states first, then link estimation and incidents); the monitor itself only
 * stores what they found (transitions, estimates, incident changes: each change with the outbox rows of
 * the notifications it owes, in one transaction), has the outbox dispatcher deliver what is due (every
 * round, and once at start after queueing a ticket for every open incident that lacks one), and now and
 * then rolls up and applies retention. Rounds start every `intervalMs`; one that overruns is followed
 * at once by the next, never by two.
 *
 * ICMP/TCP/UDP targets (`targetRounds`) are routes too: each is registered at start as a PathRecord
 * (its group, the prober as `from`, the target as written as `to`, named `tcp db1:5432`) and probed
 * after the walks, every round or on its group's own interval; its outcome has kind 'target' and no
 * links, so it gets states, history, /metrics and tickets like a path, and no link ever explains it.
 *
 * `stop()` is what SIGTERM/SIGINT call: the round in progress finishes, then `close()` flushes the
 * writer (spilling to disk if the database is still away), closes the notifiers, the planner, the
 * topology source and the store, in that order.
 */
import type { RoundStats } from '../../probes/index.js';
import { graphJson } from '../live/index.js';
import type { GroupedPath, PlanDiff } from '../live/plan-diff.js';
import type { PlannedWalk, WalkPlanDiff } from '../live/walk-plan-diff.js';
import type { IncidentRecord } from '../incidents/incident.js';
import { OutboxDispatcher } from '../notify/outbox-dispatcher.js';
import type { LinkEstimates } from '../localize/localize-types.js';
import { redactError } from '../secrets/index.js';
import type { LinkEstimateRecord, PathRecord, RoundResultRecord, TransitionRecord, WalkRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { Thresholds } from '../config/index.js';
import type { TargetRoute, TargetRouteResult } from '../targets/index.js';
import type { MonitorDeps, ResumingEvaluator } from './monitor-deps.js';
import type { LiveLink, LivePath, LivePlan, LiveTarget, MonitorCounters, MonitorUpdate, MonitorView } from './monitor-view.js';
import { liveLinks } from './live-links.js';
import { PathStateEvaluator, resultRecord } from './path-state-evaluator.js';
import type { PathStateName } from './path-state.js';
import type { PathTransition } from './path-transition.js';
import { PendingWrites } from './pending-writes.js';
import { emptyFindings, type RoundEvaluator, type RoundFindings } from './round-evaluator.js';
import type { RouteOutcome, RoundOutcome } from './round-outcome.js';
import { addRttSamples, emptyRttHistogram, rttBucketUpperBoundsMs, type RttHistogram } from './rtt-histogram.js';

interface MonitoredPath {
  record: PathRecord;
  /** Probe addressing; null when the path cannot be addressed (reported, not probed). */
  planned: GroupedPath;
  active: boolean;
  lastRound: (RoundStats & { atMs: number }) | null;
  histogram: RttHistogram;
}

interface MonitoredTarget {
  route: TargetRoute;
  record: PathRecord;
  lastRound: (RoundStats & { atMs: number }) | null;
  histogram: RttHistogram;
  /** When the target's group was last probed (its own interval counts from there). */
  lastProbedAtMs: number | null;
  live: LiveTarget;
}

interface MonitoredWalk {
  record: WalkRecord;
  planned: PlannedWalk;
}

/** What one round did, for logs and tests. */
export interface RoundReport {
  atMs: number;
  probedPaths: number;
  probedWalks: number;
  /** ICMP/TCP/UDP targets probed this round (those whose group was due). */
  probedTargets: number;
  transitions: TransitionRecord[];
  findings: RoundFindings;
}

export class PathMonitor implements MonitorView {
  readonly store: Store;
  private readonly monitored = new Map<string, MonitoredPath>();
  private readonly walks = new Map<string, MonitoredWalk>();
  private readonly targets = new Map<string, MonitoredTarget>();
  private readonly pendingDiffs: PlanDiff[] = [];
  private readonly pendingWalkDiffs: WalkPlanDiff[] = [];
  /** Transitions found outside a round (paths that vanished while the monitor was away). */
  private readonly carriedTransitions: PathTransition[] = [];
  private readonly listeners = new Set<(update: MonitorUpdate) => void>();
  private readonly outcomeListeners = new Set<(outcome: RoundOutcome, findings: RoundFindings) => void>();
  private readonly pendingWrites: PendingWrites;
  private readonly thresholdsByGroup: Map<string, Thresholds>;
  private readonly pathStates: PathStateEvaluator;
  /** The RTT histogram bounds every path shares (`metrics.rttBucketsMs`), frozen once. */
  private readonly rttBoundsMs: readonly number[];
  private readonly evaluators: RoundEvaluator[];
  private readonly openIncidents = new Map<string, IncidentRecord>();
  /** Delivers the store's notification outbox through the notifiers. */
  private readonly dispatcher: OutboxDispatcher;
  private lastEstimates: { atMs: number; estimates: LinkEstimates } | null = null;
  private readonly stopper = new AbortController();
  private readonly countersValue: MonitorCounters = {
    rounds: 0,
    probesSent: 0,
    probesReceived: 0,
    drops: { malformed: 0, otherSession: 0, forged: 0 },
    lastRoundAtMs: null,
    lastReplanMs: null,
  };
  private lastRetentionMs: number | null = null;
  private unsubscribers: (() => void)[] = [];
  private started = false;
  private closed = false;

  constructor(private readonly deps: MonitorDeps) {
    this.store = deps.store;
    this.pendingWrites = new PendingWrites((line) => deps.log.warn(line));
    this.thresholdsByGroup = new Map(deps.config.groups.map((group) => [group.name, group.thresholds]));
    this.rttBoundsMs = deps.config.metrics ? Object.freeze([...deps.config.metrics.rttBucketsMs]) : rttBucketUpperBoundsMs;
    this.pathStates = new PathStateEvaluator(
      deps.config.hysteresisRounds,
      (record) => this.thresholdsOf(record),
      (routeId) => this.targets.get(routeId)?.live.problem ?? null,
    );
    this.evaluators = [this.pathStates, ...(deps.evaluators ?? [])];
    this.dispatcher = new OutboxDispatcher({
      store: deps.store,
      notifiers: deps.notifiers,
      nowMs: () => deps.clock.nowMs(),
      log: (level, line) => (level === 'info' ? deps.log.info(line) : deps.log.warn(line)),
      ...(deps.outboxBatchLimit !== undefined ? { batchLimit: deps.outboxBatchLimit } : {}),
    });
  }

  /** Per notification channel: outbox items waiting, the last failure and success. */
  notifierStatus(): ReturnType<OutboxDispatcher['status']> {
    return this.dispatcher.status();
  }

  // ---- MonitorView ----

  paths(): LivePath[] {
    return [...this.pathsOnly(), ...[...this.targets.values()].map((target) => this.liveTarget(target))];
  }

  private pathsOnly(): LivePath[] {
    return [...this.monitored.values()].map((path) => {
      const state = this.pathStates.stateOf(path.record.id);
      return {
        record: path.record,
        state: state?.state ?? 'UP',
        stateSinceMs: state?.sinceMs ?? path.record.firstSeenMs,
        deciding: state?.deciding ?? true,
        thresholds: { ...this.thresholdsOf(path.record) },
        lastRound: path.lastRound,
        rttHistogram: histogramCopy(path.histogram),
      };
    });
  }

  private liveTarget(target: MonitoredTarget): LivePath {
    const state = this.pathStates.stateOf(target.record.id);
    return {
      record: target.record,
      kind: target.route.kind,
      target: { ...target.live, failedSourcePorts: [...target.live.failedSourcePorts] },
      state: state?.state ?? 'UP',
      stateSinceMs: state?.sinceMs ?? target.record.firstSeenMs,
      deciding: state?.deciding ?? true,
      thresholds: { ...target.route.thresholds },
      lastRound: target.lastRound,
      rttHistogram: histogramCopy(target.histogram),
    };
  }

  /** Each path's record and state, without the figures paths() copies: what evaluators read every round. */
  pathStatuses(): { record: PathRecord; state: PathStateName; thresholds: Thresholds }[] {
    return [...this.monitored.values(), ...this.targets.values()].map((route) => ({
      record: route.record,
      state: this.pathStates.stateOf(route.record.id)?.state ?? 'UP',
      thresholds: this.thresholdsOf(route.record),
    }));
  }

  topology(): ReturnType<MonitorView['topology']> {
    return { graph: this.deps.source.graph, status: this.deps.source.status() };
  }

  counters(): MonitorCounters {
    return { ...this.countersValue, drops: { ...this.countersValue.drops } };
  }

  incidents(): IncidentRecord[] {
    return [...this.openIncidents.values()].sort((a, b) => b.openedAtMs - a.openedAtMs);
  }

  links(): LiveLink[] {
    if (!this.lastEstimates) return [];
    return liveLinks(this.deps.source.graph, this.lastEstimates.estimates, this.lastEstimates.atMs, this.incidents(), this.deps.walkPlanner?.plan()?.groups ?? []);
  }

  plan(): LivePlan | null {
    const plan = this.deps.walkPlanner?.plan();
    if (!plan) return null;
    const grouped = new Set(plan.groups.flatMap((group) => group.linkKeys));
    return {
      walks: plan.walks.length,
      links: plan.linkKeys.length,
      identifiable: plan.identifiable,
      groups: plan.groups.map((group) => ({ id: group.id, labels: group.labels, reason: group.reason })),
      unreachable: plan.unreachable.length,
      coverage: Math.min(...plan.linkKeys.filter((key) => !grouped.has(key)).map((key) => plan.coverage.get(key) ?? 0), Number.POSITIVE_INFINITY),
    };
  }

  onUpdate(listener: (update: MonitorUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every round's outcome and what the evaluators found in it. */
  onRoundOutcome(listener: (outcome: RoundOutcome, findings: RoundFindings) => void): () => void {
    this.outcomeListeners.add(listener);
    return () => this.outcomeListeners.delete(listener);
  }

  /** The prober addresses probes leave from (one per first link), for the return-path check. */
  probeSourceAddresses(): string[] {
    const fromPaths = [...this.monitored.values()].flatMap((path) => (path.planned.hops ? [path.planned.hops.source] : []));
    const fromWalks = [...this.walks.values()].flatMap((walk) => (walk.planned.hops ? [walk.planned.hops.source] : []));
    return [...new Set([...fromPaths, ...fromWalks])];
  }

  /** How many paths, walks and ICMP/TCP/UDP targets the monitor probes now. */
  probedCounts(): { paths: number; walks: number; targets: number } {
    return {
      paths: [...this.monitored.values()].filter((path) => path.active && path.planned.hops).length,
      walks: [...this.walks.values()].filter((walk) => walk.planned.hops).length,
      targets: this.targets.size,
    };
  }

  // ---- lifecycle ----

  /** Makes the first plan and resumes each path's state and each open incident from the store. Call once, before rounds. */
  async start(): Promise<void> {
    if (this.started) throw new Error('monitor.PathMonitor.start: already started; expected one start per monitor');
    this.started = true;
    const nowMs = this.deps.clock.nowMs();
    const stored = await this.deps.store.currentStates();
    const open = await this.deps.store.openIncidents();
    for (const incident of open) this.openIncidents.set(incident.id, incident);
    for (const evaluator of this.evaluators) if (isResuming(evaluator)) evaluator.resume(open);
    // Open incidents whose ticket was never made (work lost before the outbox, a store restored from
    // backup): queue it now; then send what the last process left pending.
    if (this.leads()) {
      await this.dispatcher.reconcile(open);
      await this.guard('outbox delivery', async () => {
        await this.dispatcher.dispatch();
      });
    }

    const first = this.deps.planner.start();
    this.unsubscribers.push(
      this.deps.planner.onPlan((diff) => {
        this.pendingDiffs.push(diff);
        this.emit({ kind: 'topology', atMs: this.deps.clock.nowMs() });
      }),
    );
    this.logProblems(first);
    const added = [...this.register(first.added, nowMs, stored), ...this.registerTargets(nowMs, stored)];
    this.pendingWrites.push(`${added.length} path(s) and target(s)`, () => this.deps.store.upsertPaths(added));
    if (this.deps.walkPlanner) {
      const walks = this.deps.walkPlanner.start();
      this.unsubscribers.push(this.deps.walkPlanner.onPlan((diff) => this.pendingWalkDiffs.push(diff)));
      this.applyWalkDiff(walks, nowMs);
    }
    this.snapshotTopology(nowMs);

    // Paths the store knows as live that the topology no longer has: they went while we were away.
    const planned = new Set([...first.added.map((path) => path.path.id), ...this.targets.keys()]);
    const vanished = [...stored].filter(([id, entry]) => !planned.has(id) && entry.state !== 'GONE');
    if (vanished.length > 0) {
      const records = new Map((await this.deps.store.paths()).map((record) => [record.id, record]));
      for (const [id, entry] of vanished) {
        const record = records.get(id);
        if (!record) continue;
        const transition = this.pathStates.goneWhileAway({ ...record, goneAtMs: nowMs }, entry, nowMs);
        if (transition) this.carriedTransitions.push(transition);
      }
      const ids = this.carriedTransitions.map((t) => t.path.id);
      this.pendingWrites.push('GONE marks', () => this.deps.store.markPathsGone(ids, nowMs));
    }
    await this.pendingWrites.drain();
    const counts = this.probedCounts();
    this.deps.log.info(
      `monitor: ${this.monitored.size} path(s) planned, ${counts.paths} probed` +
        (this.deps.walkPlanner ? `; ${counts.walks} cover walk(s) ${this.planSummary()}` : '') +
        (this.deps.targetRounds ? `; ${counts.targets} ICMP/TCP/UDP target(s)` : ''),
    );
  }

  /** Runs rounds every intervalMs until stop(); returns once the round in progress has finished. */
  async run(): Promise<void> {
    if (!this.started) await this.start();
    const intervalMs = this.deps.config.probing.intervalMs;
    let nextMs = this.deps.clock.nowMs();
    while (!this.stopper.signal.aborted) {
      await this.runRound();
      nextMs = Math.max(nextMs + intervalMs, this.deps.clock.nowMs());
      const waitMs = nextMs - this.deps.clock.nowMs();
      if (waitMs > 0 && !this.stopper.signal.aborted) await this.deps.clock.sleepMs(waitMs, this.stopper.signal);
    }
  }

  /** Asks the loop to stop after the round in progress. */
  stop(): void {
    this.stopper.abort();
  }

  get stopping(): boolean {
    return this.stopper.signal.aborted;
  }

  /** Flushes and closes everything the monitor was given. Never throws; problems are logged. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const unsubscribe of this.unsubscribers) unsubscribe();
    const step = async (what: string, action: () => Promise<unknown>) => {
      try {
        await action();
      } catch (error) {
        this.deps.log.warn(`monitor: closing ${what}: ${redactError(error)}`);
      }
    };
    await step('store writes', async () => {
      const waiting = await this.pendingWrites.drain();
      if (waiting > 0) this.deps.log.warn(`monitor: ${waiting} path/transition/incident write(s) could not be stored before exit`);
    });
    await step('result writer', async () => {
      await this.deps.writer.close();
      const stats = this.deps.writer.stats();
      if (stats.buffered + stats.spilled > 0)
        this.deps.log.warn(`monitor: ${stats.buffered + stats.spilled} round result(s) kept on disk for the next start (${stats.lastError ?? 'database unavailable'})`);
    });
    await step('outbox delivery', () => this.dispatcher.close());
    for (const notifier of this.deps.notifiers) await step(`${notifier.channel} notifier`, () => notifier.close());
    if (this.deps.targetRounds) await step('target probers', () => this.deps.targetRounds!.close());
    await step('planner', async () => this.deps.planner.close());
    if (this.deps.walkPlanner) await step('walk planner', async () => this.deps.walkPlanner!.close());
    await step('topology source', () => this.deps.source.close());
    await step('store', () => this.deps.store.close());
    this.listeners.clear();
    this.outcomeListeners.clear();
  }

  // ---- one round ----

  async runRound(): Promise<RoundReport> {
    const atMs = this.deps.clock.nowMs();
    const findings = emptyFindings();
    findings.transitions.push(...this.carriedTransitions.splice(0));
    while (this.pendingDiffs.length > 0) findings.transitions.push(...this.applyDiff(this.pendingDiffs.shift()!, atMs));
    while (this.pendingWalkDiffs.length > 0) this.applyWalkDiff(this.pendingWalkDiffs.shift()!, atMs);

    const routes: RouteOutcome[] = [];
    const probedPaths = [...this.monitored.values()].filter((path) => path.active && path.planned.hops && this.assigned(path.record.id));
    const { probesPerRound, probeSpacingMs, timeoutMs } = this.deps.config.probing;
    const pathStats = await this.probe(
      probedPaths.map((path) => path.planned.hops!),
      { count: probesPerRound, intervalMs: probeSpacingMs, timeoutMs },
    );
    probedPaths.forEach((path, index) => {
      const stats = pathStats.perPath[index]!;
      path.lastRound = { ...stats, atMs };
      addRttSamples(path.histogram, pathStats.samplesNs[index] ?? []);
      routes.push({ kind: 'path', id: path.record.id, group: path.record.group, linkKeys: path.record.linkKeys, stats });
    });

    const probedWalks = [...this.walks.values()].filter((walk) => walk.planned.hops && this.assigned(walk.record.id));
    const localize = this.deps.config.localize;
    if (probedWalks.length > 0) {
      const walkStats = await this.probe(
        probedWalks.map((walk) => walk.planned.hops!),
        {
          count: localize?.probesPerWalk ?? probesPerRound,
          intervalMs: localize?.probeSpacingMs ?? probeSpacingMs,
          timeoutMs,
          keepSamples: false,
        },
      );
      probedWalks.forEach((walk, index) => routes.push({ kind: 'walk', id: walk.record.id, group: null, linkKeys: walk.record.linkKeys, stats: walkStats.perPath[index]! }));
    }
    const probedTargets = await this.probeTargets(atMs);
    for (const target of probedTargets) {
      routes.push({ kind: 'target', id: target.record.id, group: target.record.group, linkKeys: target.record.linkKeys, stats: target.lastRound! });
    }
    if (routes.length > 0) this.deps.writer.add(routes.map((route) => resultRecord(route.id, atMs, route.stats)));
    this.countersValue.rounds++;
    this.countersValue.lastRoundAtMs = atMs;

    const outcome: RoundOutcome = { atMs, routes };
    for (const evaluator of this.evaluators) {
      try {
        evaluator.evaluate(outcome, findings);
      } catch (error) {
        this.deps.log.warn(`monitor: the ${evaluator.name} evaluator failed this round: ${redactError(error)}`);
      }
    }
    for (const listener of [...this.outcomeListeners]) {
      try {
        listener(outcome, findings);
      } catch (error) {
        this.deps.log.warn(`monitor: a round-outcome listener failed: ${redactError(error)}`);
      }
    }
    await this.finish(findings, atMs);
    await this.maybeApplyRetention(atMs);
    this.emit({ kind: 'round', atMs, pathIds: [...probedPaths, ...probedTargets].map((route) => route.record.id) });
    return {
      atMs,
      probedPaths: probedPaths.length,
      probedWalks: probedWalks.length,
      probedTargets: probedTargets.length,
      transitions: findings.transitions.map((t) => t.transition),
      findings,
    };
  }

  /**
   * Probes the targets whose group is due (every round, or `everyMs` after its last round) and keeps
   * what each found. A target's resolved address is its record's hop: stored again when DNS moves it.
   */
  private async probeTargets(atMs: number): Promise<MonitoredTarget[]> {
    const rounds = this.deps.targetRounds;
    if (!rounds || this.targets.size === 0) return [];
    const due = [...this.targets.values()].filter((target) => {
      if (!this.assigned(target.record.id)) return false;
      const { everyMs } = target.route;
      return everyMs === null || target.lastProbedAtMs === null || atMs - target.lastProbedAtMs >= everyMs;
    });
    if (due.length === 0) return [];
    let output: Awaited<ReturnType<typeof rounds.run>>;
    try {
      output = await rounds.run(due.map((target) => target.route));
    } catch (error) {
      // TargetRounds promises a result per target; if one breaks that promise, the round is lost for all.
      this.deps.log.warn(`monitor: the target round failed: ${redactError(error)}`);
      return [];
    }
    const moved: PathRecord[] = [];
    due.forEach((target, index) => {
      const result = output.results[index]!;
      const previousProblem = target.live.problem;
      this.keepTargetResult(target, result, atMs);
      if (result.problem !== null && result.problem !== previousProblem) this.deps.log.warn(`monitor: ${target.route.group} ${target.route.label}: round lost: ${result.problem}`);
      if (result.problem === null && previousProblem !== null) this.deps.log.info(`monitor: ${target.route.group} ${target.route.label}: probed again (${result.address})`);
      if (result.address !== null && result.address !== target.record.hops[0]) {
        target.record = { ...target.record, hops: [result.address] };
        moved.push(target.record);
      }
      if (result.problem === null) {
        this.countersValue.probesSent += result.stats.sent;
        this.countersValue.probesReceived += result.stats.received;
      }
    });
    this.countersValue.drops.malformed += output.drops.malformed;
    this.countersValue.drops.otherSession += output.drops.foreign;
    this.countersValue.drops.forged += output.drops.forged;
    if (moved.length > 0) this.pendingWrites.push(`addresses of ${moved.length} target(s)`, () => this.deps.store.upsertPaths(moved));
    return due;
  }

  private keepTargetResult(target: MonitoredTarget, result: TargetRouteResult, atMs: number): void {
    target.lastProbedAtMs = atMs;
    target.lastRound = { ...result.stats, atMs };
    addRttSamples(target.histogram, result.samplesNs);
    target.live = {
      ...target.live,
      address: result.address,
      problem: result.problem,
      refused: result.refused,
      failedSourcePorts: [...result.failedSourcePorts],
    };
  }

  /** One probing pass over some routes; counts what was sent, received and dropped. */
  private async probe(hops: NonNullable<GroupedPath['hops']>[], options: { count: number; intervalMs: number; timeoutMs: number; keepSamples?: boolean }) {
    if (hops.length === 0) return { perPath: [] as RoundStats[], samplesNs: [] as Float64Array[] };
    const result = await this.deps.runRound(
      hops.map((h) => ({ source: h.source, hops: h.hops, returnAddress: h.returnAddress })),
      options,
    );
    for (const stats of result.perPath) {
      this.countersValue.probesSent += stats.sent;
      this.countersValue.probesReceived += stats.received;
    }
    this.countersValue.drops.malformed += result.drops.malformed;
    this.countersValue.drops.otherSession += result.drops.otherSession;
    this.countersValue.drops.forged += result.drops.forged;
    return result;
  }

  /** Stores what the evaluators found (incident changes with their outbox rows), then delivers the outbox. */
  private async finish(findings: RoundFindings, atMs: number): Promise<void> {
    if (findings.transitions.length > 0) {
      const records = findings.transitions.map((t) => t.transition);
      this.pendingWrites.push(`${records.length} transition(s)`, () => this.deps.store.addTransitions(records));
    }
    // Every transition is stored; the log names the first ones and counts the rest, so a fabric-wide
    // outage is a screenful, not tens of thousands of lines.
    for (const { path, transition } of findings.transitions.slice(0, LOGGED_TRANSITIONS)) {
      this.deps.log.info(`monitor: ${path.group} ${path.names.join(' ')} (${path.id}): ${transition.from ?? 'new'} -> ${transition.to}: ${transition.reason}`);
    }
    if (findings.transitions.length > LOGGED_TRANSITIONS) {
      const byState = new Map<string, number>();
      for (const { transition } of findings.transitions.slice(LOGGED_TRANSITIONS)) byState.set(transition.to, (byState.get(transition.to) ?? 0) + 1);
      this.deps.log.info(`monitor: and ${findings.transitions.length - LOGGED_TRANSITIONS} more transition(s) this round: ${[...byState].map(([to, n]) => `${n} -> ${to}`).join(', ')}`);
    }
    if (findings.estimates) {
      this.lastEstimates = { atMs, estimates: findings.estimates };
      const rows = estimateRows(findings.estimates, atMs);
      if (rows.length > 0) this.pendingWrites.push(`${rows.length} link estimate(s)`, () => this.deps.store.insertLinkEstimates(rows));
    }
    const channels = this.dispatcher.channels;
    for (const change of findings.incidentChanges) {
      if (change.incident.state === 'open') this.openIncidents.set(change.incident.id, change.incident);
      else this.openIncidents.delete(change.incident.id);
      // The notifications go in the change's own transaction: stored together, or kept together for the next round.
      this.pendingWrites.push(`incident ${change.incident.id}`, () => this.deps.store.recordIncidentChange(change, { channels, atMs }));
      this.deps.log.info(`monitor: incident ${change.change}: ${change.incident.summary}${change.reason ? ` (${change.reason})` : ''}`);
    }
    await this.pendingWrites.drain();
    if (this.leads()) {
      await this.guard('outbox delivery', async () => {
        await this.dispatcher.dispatch();
      });
    }
    for (const { path, transition } of findings.transitions) {
      this.emit({ kind: 'transition', atMs: transition.atMs, pathId: path.id, from: transition.from, to: transition.to });
    }
    for (const change of findings.incidentChanges) this.emit({ kind: 'incident', atMs, incidentId: change.incident.id, change: change.change });
  }

  private applyDiff(diff: PlanDiff, atMs: number): PathTransition[] {
    if (diff.replanMs !== null) this.countersValue.lastReplanMs = diff.replanMs;
    this.logProblems(diff);
    const transitions: PathTransition[] = [];
    const goneIds: string[] = [];
    for (const gone of diff.gone) {
      const path = this.monitored.get(gone.path.id);
      if (!path || !path.active) continue;
      path.active = false;
      path.record = { ...path.record, goneAtMs: atMs };
      goneIds.push(path.record.id);
      const transition = this.pathStates.gone(path.record, atMs);
      if (transition) transitions.push(transition);
    }
    if (goneIds.length > 0) this.pendingWrites.push(`GONE marks of ${goneIds.length} path(s)`, () => this.deps.store.markPathsGone(goneIds, atMs));
    const added = this.register(diff.added, atMs, new Map());
    if (added.length > 0) this.pendingWrites.push(`${added.length} new path(s)`, () => this.deps.store.upsertPaths(added));
    this.snapshotTopology(atMs);
    this.deps.log.info(
      `monitor: topology changed: ${diff.gone.length} path(s) gone, ${diff.added.length} added, ${diff.kept.length} kept` +
        (diff.replanMs !== null ? ` (re-planned ${diff.replanMs.toFixed(1)} ms after the change arrived)` : ''),
    );
    return transitions;
  }

  private applyWalkDiff(diff: WalkPlanDiff, atMs: number): void {
    if (diff.problem !== null) this.deps.log.warn(`monitor: no link-cover plan: ${diff.problem}`);
    const goneIds: string[] = [];
    for (const gone of diff.gone) {
      if (this.walks.delete(gone.walk.id)) goneIds.push(gone.walk.id);
    }
    if (goneIds.length > 0) this.pendingWrites.push(`GONE marks of ${goneIds.length} walk(s)`, () => this.deps.store.markWalksGone(goneIds, atMs));
    const added: WalkRecord[] = [];
    for (const planned of diff.added) {
      if (planned.unaddressable) this.deps.log.warn(`monitor: not probing walk ${planned.walk.names.join(' ')}: ${planned.unaddressable}`);
      const record: WalkRecord = { id: planned.walk.id, names: planned.walk.names, linkKeys: planned.walk.links.map((link) => link.key), firstSeenMs: atMs, goneAtMs: null };
      this.walks.set(record.id, { record, planned });
      added.push(record);
    }
    if (added.length > 0) this.pendingWrites.push(`${added.length} walk(s)`, () => this.deps.store.upsertWalks(added));
    if (diff.replanMs !== null) {
      this.deps.log.info(
        `monitor: link-cover plan: ${diff.gone.length} walk(s) gone, ${diff.added.length} added, ${diff.kept.length} kept ${this.planSummary()} (re-planned ${diff.replanMs.toFixed(1)} ms after the change arrived)`,
      );
    }
  }

  private planSummary(): string {
    const plan = this.plan();
    if (!plan) return '(no plan)';
    return `(${plan.links} directed link(s), ${plan.identifiable} identifiable, ${plan.groups.length} group(s), ${plan.unreachable} unreachable)`;
  }

  /** Adds (or revives) planned paths; returns their records for the store. */
  private register(planned: GroupedPath[], atMs: number, stored: Map<string, { state: PathStateName; sinceMs: number }>): PathRecord[] {
    const records: PathRecord[] = [];
    for (const entry of planned) {
      const id = entry.path.id;
      if (entry.unaddressable) this.deps.log.warn(`monitor: not probing ${entry.group} ${entry.path.names.join(' ')}: ${entry.unaddressable}`);
      const existing = this.monitored.get(id);
      if (existing) {
        existing.active = true;
        existing.planned = entry;
        existing.record = { ...existing.record, goneAtMs: null };
        this.pathStates.track(existing.record);
        records.push(existing.record);
        continue;
      }
      const record = pathRecord(entry, atMs);
      this.pathStates.track(record, stored.get(id));
      this.monitored.set(id, { record, planned: entry, active: true, lastRound: null, histogram: emptyRttHistogram(this.rttBoundsMs) });
      records.push(record);
    }
    return records;
  }

  /** Registers every ICMP/TCP/UDP target (fixed for the run); returns their records for the store. */
  private registerTargets(atMs: number, stored: Map<string, { state: PathStateName; sinceMs: number }>): PathRecord[] {
    const records: PathRecord[] = [];
    for (const route of this.deps.targetRounds?.routes ?? []) {
      if (this.targets.has(route.id)) continue;
      const record = targetRecord(route, atMs);
      this.pathStates.track(record, stored.get(route.id));
      this.targets.set(route.id, {
        route,
        record,
        lastRound: null,
        histogram: emptyRttHistogram(this.rttBoundsMs),
        lastProbedAtMs: null,
        live: { host: route.target.host, port: route.port, address: null, problem: null, refused: 0, failedSourcePorts: [] },
      });
      records.push(record);
    }
    return records;
  }

  /** The graph as it was when the plan changed, so history can show what the topology looked like. */
  private snapshotTopology(atMs: number): void {
    const { graph, status } = this.topology();
    const snapshot = { atMs, source: status.spec, nodeCount: graph.nodes().length, linkCount: graph.links().length, graph: graphJson(graph, status) };
    this.pendingWrites.push('topology snapshot', () => this.deps.store.addTopologySnapshot(snapshot));
  }

  /** Fleet mode: whether this agent holds the route now; alone, every route is its own. */
  private assigned(routeId: string): boolean {
    return this.deps.assignment?.isAssigned(routeId) ?? true;
  }

  /** Fleet mode: whether this agent is the one that notifies and applies retention; alone, always. */
  private leads(): boolean {
    return this.deps.leads?.() ?? true;
  }

  /**
   * Delivers what the outbox holds now (open incidents' missing tickets first): what a fleet agent does
   * the moment it becomes the leader, instead of waiting for its next round.
   */
  async deliverAsLeader(): Promise<void> {
    if (!this.leads()) return;
    await this.guard('outbox delivery', async () => {
      await this.dispatcher.reconcile([...this.openIncidents.values()]);
      await this.dispatcher.dispatch();
    });
  }

  /**
   * Fleet mode: continues the incidents the store has open now (another process's, when this one has
   * just become the leader), as start() does with those of a previous run: the evaluators resume them
   * and they are the monitor's open incidents from here on.
   */
  resumeIncidents(open: IncidentRecord[]): void {
    this.openIncidents.clear();
    for (const incident of open) this.openIncidents.set(incident.id, incident);
    for (const evaluator of this.evaluators) if (isResuming(evaluator)) evaluator.resume(open);
  }

  private async maybeApplyRetention(atMs: number): Promise<void> {
    if (!this.leads()) return;
    const everyMs = this.deps.retentionEveryMs ?? 15 * 60_000;
    if (this.lastRetentionMs !== null && atMs - this.lastRetentionMs < everyMs) return;
    this.lastRetentionMs = atMs;
    await this.guard('retention', async () => {
      const { deletedRounds } = await this.deps.store.applyRetention(atMs);
      if (deletedRounds > 0) this.deps.log.info(`monitor: retention removed ${deletedRounds} old round row(s)`);
    });
  }

  private logProblems(diff: PlanDiff): void {
    for (const problem of diff.problems) this.deps.log.warn(`monitor: group ${problem.target.group}, ${problem.target.from} -> ${problem.target.to}: ${problem.reason}`);
  }

  private thresholdsOf(record: PathRecord): Thresholds {
    return this.targets.get(record.id)?.route.thresholds ?? this.thresholdsByGroup.get(record.group) ?? this.deps.config.thresholds;
  }

  /** Runs a step whose failure must not stop the loop (notifiers promise not to throw; this is the belt). */
  private async guard(what: string, action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.deps.log.warn(`monitor: ${what} failed: ${redactError(error)}`);
    }
  }

  private emit(update: MonitorUpdate): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(update);
      } catch (error) {
        this.deps.log.warn(`monitor: an update listener failed: ${redactError(error)}`);
      }
    }
  }
}

/** Transitions logged one per line in a round; the rest are counted by new state. */
const LOGGED_TRANSITIONS = 50;

function isResuming(evaluator: RoundEvaluator): evaluator is ResumingEvaluator {
  return typeof (evaluator as Partial<ResumingEvaluator>).resume === 'function';
}

/** The estimates worth a row: absent means healthy, so the table stays small on a large fabric. */
function estimateRows(estimates: LinkEstimates, atMs: number): LinkEstimateRecord[] {
  return estimates.estimates
    .filter((e) => e.down || e.lossRatio > 0 || e.addedDelayMs > 0)
    .map((e) => ({
      subjectKey: e.subject.kind === 'link' ? `link:${e.subject.linkKey}` : `group:${e.subject.groupId}`,
      atMs,
      lossRatio: e.lossRatio,
      addedDelayMs: e.addedDelayMs,
      down: e.down,
      confidence: e.confidence,
      support: e.support,
    }));
}

function histogramCopy(histogram: RttHistogram): LivePath['rttHistogram'] {
  return {
    upperBoundsMs: [...histogram.upperBoundsMs],
    cumulativeCounts: [...histogram.cumulativeCounts],
    sumMs: histogram.sumMs,
    count: histogram.count,
  };
}

/**
 * A target as a PathRecord: from the prober to the target as written, named by kind and target
 * (`tcp db1:5432`) so reports, tickets and /metrics read naturally; no links; its hop is the address
 * it last resolved to (none until the first round). A literal address is its own hop from the start.
 */
function targetRecord(route: TargetRoute, atMs: number): PathRecord {
  const literal = /^\d{1,3}(\.\d{1,3}){3}$/.test(route.target.host);
  return {
    id: route.id,
    group: route.group,
    fromNode: route.from,
    toNode: route.target.text,
    names: [route.label],
    hops: literal ? [route.target.host] : [],
    hopNames: [route.target.text],
    linkKeys: [],
    firstSeenMs: atMs,
    goneAtMs: null,
  };
}

function pathRecord(entry: GroupedPath, atMs: number): PathRecord {
  return {
    id: entry.path.id,
    group: entry.group,
    fromNode: entry.from,
    toNode: entry.to,
    names: entry.path.names,
    hops: entry.hops?.hops ?? [],
    hopNames: entry.hops?.hopNames ?? [],
    linkKeys: (entry.hops?.crossed ?? entry.path.links).map((link) => link.key),
    firstSeenMs: atMs,
    goneAtMs: null,
  };
}
