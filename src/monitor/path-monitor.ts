/**
 * The monitoring loop behind `pathmon run`, and the MonitorView the dashboard reads.
 *
 * Each round: apply any new plan (paths the topology removed become GONE at once, new ones are
 * registered), probe every planned path once (`probesPerRound` probes each), hand the rows to the
 * batching writer (which never waits for the database), evaluate states, store the transitions, give the
 * round's transitions to every notifier at once, let the notifiers retry what they queued, and now and
 * then roll up and apply retention. Rounds start every `intervalMs`; one that overruns is followed at
 * once by the next, never by two.
 *
 * `stop()` is what SIGTERM/SIGINT call: the round in progress finishes, then `close()` flushes the
 * writer (spilling to disk if the database is still away), closes the notifiers, the planner, the
 * topology source and the store, in that order.
 */
import type { RoundStats } from '../../probes/index.js';
import { graphJson } from '../live/index.js';
import type { GroupedPath, PlanDiff } from '../live/plan-diff.js';
import type { PathTransition } from '../notify/notifier.js';
import { redactError } from '../secrets/index.js';
import type { PathRecord, RoundResultRecord, TransitionRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { Thresholds } from '../config/index.js';
import type { MonitorDeps } from './monitor-deps.js';
import type { LivePath, MonitorCounters, MonitorUpdate, MonitorView } from './monitor-view.js';
import { evaluateRound, newPathEvaluation, pathGone, pathReturned, resumedPathEvaluation, type PathEvaluation } from './path-evaluator.js';
import type { PathStateName } from './path-state.js';
import { PendingWrites } from './pending-writes.js';
import { addRttSamples, emptyRttHistogram, type RttHistogram } from './rtt-histogram.js';

interface MonitoredPath {
  record: PathRecord;
  /** Probe addressing; null when the path cannot be addressed (reported, not probed). */
  planned: GroupedPath;
  active: boolean;
  evaluation: PathEvaluation;
  lastRound: (RoundStats & { atMs: number }) | null;
  histogram: RttHistogram;
}

/** What one round did, for logs and tests. */
export interface RoundReport {
  atMs: number;
  probedPaths: number;
  transitions: TransitionRecord[];
}

export class PathMonitor implements MonitorView {
  readonly store: Store;
  private readonly monitored = new Map<string, MonitoredPath>();
  private readonly pendingDiffs: PlanDiff[] = [];
  private readonly listeners = new Set<(update: MonitorUpdate) => void>();
  private readonly pendingWrites: PendingWrites;
  private readonly thresholdsByGroup: Map<string, Thresholds>;
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
  private unsubscribePlan: (() => void) | null = null;
  private started = false;
  private closed = false;

  constructor(private readonly deps: MonitorDeps) {
    this.store = deps.store;
    this.pendingWrites = new PendingWrites((line) => deps.log.warn(line));
    this.thresholdsByGroup = new Map(deps.config.groups.map((group) => [group.name, group.thresholds]));
  }

  // ---- MonitorView ----

  paths(): LivePath[] {
    return [...this.monitored.values()].map((path) => ({
      record: path.record,
      state: path.evaluation.state ?? 'UP',
      stateSinceMs: path.evaluation.sinceMs ?? path.record.firstSeenMs,
      deciding: path.evaluation.deciding,
      thresholds: { ...this.thresholdsOf(path.record.group) },
      lastRound: path.lastRound,
      rttHistogram: {
        upperBoundsMs: [...path.histogram.upperBoundsMs],
        cumulativeCounts: [...path.histogram.cumulativeCounts],
        sumMs: path.histogram.sumMs,
        count: path.histogram.count,
      },
    }));
  }

  topology(): ReturnType<MonitorView['topology']> {
    return { graph: this.deps.source.graph, status: this.deps.source.status() };
  }

  counters(): MonitorCounters {
    return { ...this.countersValue, drops: { ...this.countersValue.drops } };
  }

  onUpdate(listener: (update: MonitorUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The prober addresses probes leave from (one per first link), for the return-path check. */
  probeSourceAddresses(): string[] {
    return [...new Set([...this.monitored.values()].flatMap((path) => (path.planned.hops ? [path.planned.hops.source] : [])))];
  }

  // ---- lifecycle ----

  /** Makes the first plan and resumes each path's state from the store. Call once, before rounds. */
  async start(): Promise<void> {
    if (this.started) throw new Error('monitor.PathMonitor.start: already started; expected one start per monitor');
    this.started = true;
    const nowMs = this.deps.clock.nowMs();
    const stored = await this.deps.store.currentStates();
    const first = this.deps.planner.start();
    this.unsubscribePlan = this.deps.planner.onPlan((diff) => {
      this.pendingDiffs.push(diff);
      this.emit({ kind: 'topology', atMs: this.deps.clock.nowMs() });
    });
    this.logProblems(first);
    const added = this.register(first.added, nowMs, stored);
    this.pendingWrites.push(`${added.length} path(s)`, () => this.deps.store.upsertPaths(added));
    this.snapshotTopology(nowMs);

    // Paths the store knows as live that the topology no longer has: they went while we were away.
    const planned = new Set(first.added.map((path) => path.path.id));
    const vanished = [...stored].filter(([id, entry]) => !planned.has(id) && entry.state !== 'GONE');
    if (vanished.length > 0) {
      const records = new Map((await this.deps.store.paths()).map((record) => [record.id, record]));
      const transitions: PathTransition[] = [];
      for (const [id, entry] of vanished) {
        const record = records.get(id);
        if (!record) continue;
        const { transition } = pathGone(resumedPathEvaluation(id, entry.state, entry.sinceMs), nowMs, this.settingsFor(record.group));
        if (transition) transitions.push({ path: { ...record, goneAtMs: nowMs }, transition });
      }
      this.pendingWrites.push('GONE marks', () => this.deps.store.markPathsGone(transitions.map((t) => t.path.id), nowMs));
      await this.finishTransitions(transitions);
    }
    await this.pendingWrites.drain();
    this.deps.log.info(`monitor: ${this.monitored.size} path(s) planned, ${[...this.monitored.values()].filter((p) => p.active).length} probed`);
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
    this.unsubscribePlan?.();
    const step = async (what: string, action: () => Promise<unknown>) => {
      try {
        await action();
      } catch (error) {
        this.deps.log.warn(`monitor: closing ${what}: ${redactError(error)}`);
      }
    };
    await step('store writes', async () => {
      const waiting = await this.pendingWrites.drain();
      if (waiting > 0) this.deps.log.warn(`monitor: ${waiting} path/transition write(s) could not be stored before exit`);
    });
    await step('result writer', async () => {
      await this.deps.writer.close();
      const stats = this.deps.writer.stats();
      if (stats.buffered + stats.spilled > 0) this.deps.log.warn(`monitor: ${stats.buffered + stats.spilled} round result(s) kept on disk for the next start (${stats.lastError ?? 'database unavailable'})`);
    });
    for (const notifier of this.deps.notifiers) await step(`${notifier.channel} notifier`, () => notifier.close());
    await step('planner', async () => this.deps.planner.close());
    await step('topology source', () => this.deps.source.close());
    await step('store', () => this.deps.store.close());
    this.listeners.clear();
  }

  // ---- one round ----

  async runRound(): Promise<RoundReport> {
    const atMs = this.deps.clock.nowMs();
    const transitions: PathTransition[] = [];
    while (this.pendingDiffs.length > 0) transitions.push(...this.applyDiff(this.pendingDiffs.shift()!, atMs));

    const probed = [...this.monitored.values()].filter((path) => path.active && path.planned.hops);
    if (probed.length > 0) {
      const { probesPerRound, probeSpacingMs, timeoutMs } = this.deps.config.probing;
      const result = await this.deps.runRound(
        probed.map((path) => ({ source: path.planned.hops!.source, hops: path.planned.hops!.hops, returnAddress: path.planned.hops!.returnAddress })),
        { count: probesPerRound, intervalMs: probeSpacingMs, timeoutMs },
      );
      const rows = probed.map((path, index) => resultRecord(path.record.id, atMs, result.perPath[index]!));
      this.deps.writer.add(rows);
      probed.forEach((path, index) => {
        const stats = result.perPath[index]!;
        path.lastRound = { ...stats, atMs };
        addRttSamples(path.histogram, result.samplesNs[index] ?? []);
        this.countersValue.probesSent += stats.sent;
        this.countersValue.probesReceived += stats.received;
        const { next, transition } = evaluateRound(path.evaluation, rows[index]!, this.settingsFor(path.record.group));
        path.evaluation = next;
        if (transition) transitions.push({ path: path.record, transition });
      });
      this.countersValue.drops.malformed += result.drops.malformed;
      this.countersValue.drops.otherSession += result.drops.otherSession;
      this.countersValue.drops.forged += result.drops.forged;
    }
    this.countersValue.rounds++;
    this.countersValue.lastRoundAtMs = atMs;

    await this.finishTransitions(transitions);
    await Promise.all(this.deps.notifiers.map((notifier) => this.guard(`${notifier.channel} retry`, () => notifier.retryQueued())));
    await this.maybeApplyRetention(atMs);
    this.emit({ kind: 'round', atMs, pathIds: probed.map((path) => path.record.id) });
    return { atMs, probedPaths: probed.length, transitions: transitions.map((t) => t.transition) };
  }

  private async finishTransitions(transitions: PathTransition[]): Promise<void> {
    for (const { path, transition } of transitions) {
      this.pendingWrites.push(`transition of ${path.id}`, () => this.deps.store.addTransition(transition));
      this.deps.log.info(
        `monitor: ${path.group} ${path.names.join(' ')} (${path.id}): ${transition.from ?? 'new'} -> ${transition.to}: ${transition.reason}`,
      );
    }
    await this.pendingWrites.drain();
    if (transitions.length > 0) {
      await Promise.all(this.deps.notifiers.map((notifier) => this.guard(`${notifier.channel} notify`, () => notifier.notify(transitions))));
    }
    for (const { path, transition } of transitions) {
      this.emit({ kind: 'transition', atMs: transition.atMs, pathId: path.id, from: transition.from, to: transition.to });
    }
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
      const { next, transition } = pathGone(path.evaluation, atMs, this.settingsFor(path.record.group));
      path.evaluation = next;
      goneIds.push(path.record.id);
      if (transition) transitions.push({ path: path.record, transition });
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
        existing.evaluation = pathReturned(existing.evaluation);
        records.push(existing.record);
        continue;
      }
      const resumed = stored.get(id);
      const record = pathRecord(entry, atMs);
      this.monitored.set(id, {
        record,
        planned: entry,
        active: true,
        evaluation: resumed ? resumedPathEvaluation(id, resumed.state, resumed.sinceMs) : newPathEvaluation(id),
        lastRound: null,
        histogram: emptyRttHistogram(),
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

  private async maybeApplyRetention(atMs: number): Promise<void> {
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

  private thresholdsOf(group: string): Thresholds {
    return this.thresholdsByGroup.get(group) ?? this.deps.config.thresholds;
  }

  private settingsFor(group: string) {
    return { hysteresisRounds: this.deps.config.hysteresisRounds, thresholds: this.thresholdsOf(group) };
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

function resultRecord(pathId: string, atMs: number, stats: RoundStats): RoundResultRecord {
  return {
    pathId,
    roundAtMs: atMs,
    sent: stats.sent,
    received: stats.received,
    lossPct: stats.lossPct,
    rttMinMs: stats.rttMs?.min ?? null,
    rttAvgMs: stats.rttMs?.avg ?? null,
    rttMaxMs: stats.rttMs?.max ?? null,
    rttP50Ms: stats.rttMs?.p50 ?? null,
    rttP95Ms: stats.rttMs?.p95 ?? null,
    rttP99Ms: stats.rttMs?.p99 ?? null,
    jitterMs: stats.jitterMs,
  };
}
