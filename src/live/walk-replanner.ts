/**
 * Keeps the link-cover plan in step with a changing topology, as the Replanner does for paths: the first
 * plan at once, then one re-plan per burst of changes after a debounce. Each re-plan hands the planner
 * the walks it has, so walks whose links all survive keep their ids (and the estimator its baselines)
 * and only what the change touched is planned again.
 */
import { planLinkCover, TopologyError, walkHops, type LinkCoverPlan, type Walk } from '../../topology/index.js';
import { altersPaths } from './graph-changes.js';
import type { TopologyChange, TopologySource } from './topology-source.js';
import { systemTimers, type LiveTimers } from './timers.js';
import type { PlannedWalk, WalkPlanDiff } from './walk-plan-diff.js';

export interface WalkReplannerOptions {
  prober: string;
  coverage: number;
  /** Walks per direction that do not cross its reverse; absent: the planner's default (coverage + 1). */
  separation?: number | null;
  maxHops: number;
  /** Quiet time after a change before re-planning. Default 200 ms. */
  debounceMs?: number;
  timers?: LiveTimers;
}

export class WalkReplanner {
  private readonly timers: LiveTimers;
  private readonly listeners = new Set<(diff: WalkPlanDiff) => void>();
  private current = new Map<string, PlannedWalk>();
  private currentPlan: LinkCoverPlan | null = null;
  private pendingSince: bigint | null = null;
  private timer: unknown = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly source: TopologySource,
    private readonly options: WalkReplannerOptions,
  ) {
    this.timers = options.timers ?? systemTimers;
  }

  start(): WalkPlanDiff {
    if (this.unsubscribe) throw new Error('live.WalkReplanner.start: already started; expected one start per WalkReplanner');
    const diff = this.replan(null);
    this.unsubscribe = this.source.onChange((change) => this.changed(change));
    return diff;
  }

  onPlan(listener: (diff: WalkPlanDiff) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  plan(): LinkCoverPlan | null {
    return this.currentPlan;
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.listeners.clear();
  }

  private changed(change: TopologyChange): void {
    const relevant = change.changes === undefined ? change.events.some((e) => e.kind !== 'session' && e.kind !== 'end-of-rib') : change.changes.some(altersPaths);
    if (!relevant) return;
    if (this.pendingSince === null || change.receivedAtNs < this.pendingSince) this.pendingSince = change.receivedAtNs;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      const since = this.pendingSince;
      this.pendingSince = null;
      const diff = this.replan(since);
      for (const listener of [...this.listeners]) listener(diff);
    }, this.options.debounceMs ?? 200);
  }

  private replan(since: bigint | null): WalkPlanDiff {
    const graph = this.source.graph;
    const previous: Walk[] = [...this.current.values()].map((entry) => entry.walk);
    let plan: LinkCoverPlan | null = null;
    let problem: string | null = null;
    try {
      const { prober, coverage, maxHops, separation } = this.options;
      plan = planLinkCover(graph, { prober, coverage, maxHops, previous, ...(separation != null && { separation }) });
    } catch (error) {
      if (!(error instanceof TopologyError)) throw error;
      problem = error.message;
    }
    const next = new Map<string, PlannedWalk>();
    const added: PlannedWalk[] = [];
    const kept: PlannedWalk[] = [];
    for (const walk of plan?.walks ?? []) {
      const known = this.current.get(walk.id);
      if (known) {
        next.set(walk.id, known);
        kept.push(known);
        continue;
      }
      const entry = addressed(graph, walk);
      next.set(walk.id, entry);
      added.push(entry);
    }
    const gone = [...this.current.values()].filter((entry) => !next.has(entry.walk.id));
    this.current = next;
    this.currentPlan = plan;
    const replanMs = since === null ? null : Number(this.timers.nowNs() - since) / 1e6;
    return { added, gone, kept, plan, problem, replanMs };
  }
}

function addressed(graph: TopologySource['graph'], walk: Walk): PlannedWalk {
  try {
    return { walk, hops: walkHops(graph, walk) };
  } catch (error) {
    if (error instanceof TopologyError) return { walk, unaddressable: error.message };
    throw error;
  }
}
