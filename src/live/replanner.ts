/**
 * Keeps the probe plan in step with a changing topology. The first plan is made at once; after that each
 * topology change arms a debounce timer (a withdrawn link arrives as a burst of NLRIs: one re-plan for
 * the burst, not one per line), and when it fires the affected targets are planned again and the result
 * is compared with the previous plan by path id. Ids are digests of the links crossed, so a path that
 * survives keeps its id and its history; a path whose link went is reported as gone, never as failing.
 *
 * "Affected": when a batch only removed links or nodes, only targets whose current paths crossed them
 * can change, and the others are kept as they are. Removal cannot create a simple path, so for those
 * targets the plan is filtered instead of searched again (paths over a removed link are gone; paths
 * whose return leg used it get their hops worked out again), unless --max-paths had cut the list, when
 * a removal can let a longer path in and the target is searched again. Any addition or attribute
 * change re-plans every target by a full search, because a new link can create paths anywhere.
 *
 * replanMs is measured from the moment the first line of the first change in the batch arrived
 * (TopologyChange.receivedAtNs) to the moment the new plan exists, debounce included: it is the delay a
 * user sees between ExaBGP printing a withdraw and pathmon probing the new path set.
 *
 * Targets whose ends are hosts declared by configuration (fromHost/toHost) get those hosts attached to
 * the source's graph and kept attached (HostAttachedSource), unless the source already does it: hosts
 * are part of what the planner plans on, and the monitor hands the planner its targets.
 */
import { pathHops, TopologyError, type HostDeclaration, type TopologyGraph } from '../../topology/index.js';
import { planPaths } from '../plan-paths.js';
import { altersPaths } from './graph-changes.js';
import { HostAttachedSource } from './host-attached-source.js';
import { TopologySourceError } from './errors.js';
import type { GroupedPath, PlanDiff, PlanTarget } from './plan-diff.js';
import type { TopologyChange, TopologySource } from './topology-source.js';
import { systemTimers, type LiveTimers } from './timers.js';

export interface ReplannerOptions {
  /** Quiet time after a change before re-planning. Default 200 ms. */
  debounceMs?: number;
  timers?: LiveTimers;
  /** Where host attach/detach lines go (targets with fromHost/toHost). Default: stderr. */
  log?: (message: string) => void;
}

export interface ReplanStats {
  replans: number;
  lastReplanMs: number | null;
  maxReplanMs: number | null;
  /** Planning time alone (no debounce), of the last plan. */
  lastComputeMs: number | null;
}

type Listener = (diff: PlanDiff) => void;

const keyOf = (path: GroupedPath): string => `${path.group}\u0000${path.from}\u0000${path.to}\u0000${path.path.id}`;
const targetKey = (target: PlanTarget): string => `${target.group}\u0000${target.from}\u0000${target.to}`;

export class Replanner {
  private readonly debounceMs: number;
  private readonly timers: LiveTimers;
  private readonly listeners = new Set<Listener>();
  private byTarget = new Map<string, GroupedPath[]>();
  private problemsByTarget = new Map<string, string>();
  /** Targets whose path list --max-paths cut: removals cannot be handled by filtering. */
  private readonly truncated = new Set<string>();
  private pendingSince: bigint | null = null;
  private pendingExabgpMs: number | null = null;
  private pendingAll = false;
  private readonly pendingRemovedLinks = new Set<string>();
  private readonly pendingRemovedNodes = new Set<string>();
  private timer: unknown = null;
  private unsubscribe: (() => void) | null = null;
  private planned = false;
  private readonly stats: ReplanStats = { replans: 0, lastReplanMs: null, maxReplanMs: null, lastComputeMs: null };

  private readonly source: TopologySource;
  /** Set when the targets name hosts the source does not attach itself: the planner attaches them. */
  private readonly attached: HostAttachedSource | null = null;

  /** @throws TopologySourceError `bad-host` for a target's bad host declaration, or one host declared two ways. */
  constructor(
    source: TopologySource,
    private readonly targets: readonly PlanTarget[],
    options: ReplannerOptions = {},
  ) {
    this.debounceMs = options.debounceMs ?? 200;
    this.timers = options.timers ?? systemTimers;
    if (!Number.isFinite(this.debounceMs) || this.debounceMs < 0) {
      throw new RangeError(`live.Replanner: debounceMs must be a number >= 0, got ${String(options.debounceMs)}`);
    }
    const hosts = hostsOf(targets);
    const covered = new Set(source instanceof HostAttachedSource ? source.attacher.hosts.map((host) => host.name) : []);
    const missing = hosts.filter((host) => !covered.has(host.name));
    // The wrapper borrows the source (the monitor closes it) and only adds the hosts to its graph.
    if (missing.length > 0) this.attached = new HostAttachedSource(source, missing, { closeInner: false, ...(options.log && { log: options.log }) });
    this.source = this.attached ?? source;
  }

  /**
   * Makes the first plan (everything `added`) and starts following changes. Call once.
   * @throws TopologySourceError `host-clash` when a target's host has the name of another node.
   */
  start(): PlanDiff {
    if (this.planned) throw new Error('live.Replanner.start: already started; expected one start per Replanner');
    this.planned = true;
    this.attached?.throwOnClash();
    const startedNs = this.timers.nowNs();
    const diff = this.replan(this.targets, null, null, startedNs);
    this.unsubscribe = this.source.onChange((change) => this.changed(change));
    return diff;
  }

  /** Called with every re-plan after the first. Returns the unsubscribe function. */
  onPlan(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The current plan, every target's paths in target order. */
  current(): GroupedPath[] {
    return this.targets.flatMap((target) => this.byTarget.get(targetKey(target)) ?? []);
  }

  currentProblems(): PlanDiff['problems'] {
    return this.targets.flatMap((target) => {
      const reason = this.problemsByTarget.get(targetKey(target));
      return reason === undefined ? [] : [{ target, reason }];
    });
  }

  replanStats(): ReplanStats {
    return { ...this.stats };
  }

  /** Plans now whatever is pending instead of waiting for the debounce (shutdown, tests). */
  flush(): PlanDiff | null {
    if (this.pendingSince === null) return null;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    return this.fire();
  }

  close(): void {
    void this.attached?.close();
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.listeners.clear();
  }

  private changed(change: TopologyChange): void {
    // Without a change list (another TopologySource implementation), assume the worst.
    const changes = change.changes;
    const relevant = changes === undefined ? change.events.some((e) => e.kind !== 'session' && e.kind !== 'end-of-rib') : changes.some(altersPaths);
    if (!relevant) return;
    if (changes === undefined) this.pendingAll = true;
    else {
      for (const c of changes) {
        if (c.kind === 'link-down') this.pendingRemovedLinks.add(c.link.key);
        else if (c.kind === 'node-down') this.pendingRemovedNodes.add(c.node.id);
        else if (altersPaths(c)) this.pendingAll = true;
      }
    }
    if (this.pendingSince === null || change.receivedAtNs < this.pendingSince) this.pendingSince = change.receivedAtNs;
    if (this.pendingExabgpMs === null && change.exabgpTimeMs != null) this.pendingExabgpMs = change.exabgpTimeMs;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.fire();
    }, this.debounceMs);
  }

  private fire(): PlanDiff {
    const since = this.pendingSince!;
    const exabgpMs = this.pendingExabgpMs;
    const startNs = this.timers.nowNs();
    const removalsOnly = !this.pendingAll;
    const affected = removalsOnly ? this.targets.filter((target) => this.crossesRemoved(target)) : this.targets;
    const diff = this.replan(affected, since, exabgpMs, startNs, removalsOnly);
    this.pendingSince = null;
    this.pendingExabgpMs = null;
    this.pendingAll = false;
    this.pendingRemovedLinks.clear();
    this.pendingRemovedNodes.clear();
    for (const listener of [...this.listeners]) listener(diff);
    return diff;
  }

  private crossesRemoved(target: PlanTarget): boolean {
    const paths = this.byTarget.get(targetKey(target)) ?? [];
    return paths.some((entry) => this.goneByRemoval(entry) || this.hopsCrossRemoved(entry));
  }

  private goneByRemoval({ path }: GroupedPath): boolean {
    return path.links.some((link) => this.pendingRemovedLinks.has(link.key)) || path.nodes.some((node) => this.pendingRemovedNodes.has(node));
  }

  private hopsCrossRemoved({ hops }: GroupedPath): boolean {
    return hops !== undefined && hops.crossed.some((link) => this.pendingRemovedLinks.has(link.key));
  }

  /** The target's plan after removals only: no search, since removing links cannot add a simple path. */
  private filteredTarget(target: PlanTarget, graph: TopologyGraph): { paths: GroupedPath[]; problem?: string; truncated?: boolean } {
    const paths: GroupedPath[] = [];
    for (const entry of this.byTarget.get(targetKey(target)) ?? []) {
      if (this.goneByRemoval(entry)) continue;
      if (!this.hopsCrossRemoved(entry)) {
        paths.push(entry);
        continue;
      }
      try {
        const { unaddressable: _was, ...rest } = entry;
        paths.push({ ...rest, hops: pathHops(graph, entry.path, target.mode) });
      } catch (error) {
        if (!(error instanceof TopologyError)) throw error;
        const { hops: _dropped, ...rest } = entry;
        paths.push({ ...rest, unaddressable: error.message });
      }
    }
    if (paths.length > 0) return { paths };
    // Nothing left: a full search says why (unknown node, no path within the bound) in its own words.
    return planTarget(graph, target);
  }

  private replan(targets: readonly PlanTarget[], since: bigint | null, exabgpMs: number | null, computeStartNs: bigint, removalsOnly = false): PlanDiff {
    const graph = this.source.graph;
    const before = new Map<string, GroupedPath>();
    for (const target of targets) for (const path of this.byTarget.get(targetKey(target)) ?? []) before.set(keyOf(path), path);

    const added: GroupedPath[] = [];
    const kept: GroupedPath[] = [];
    for (const target of targets) {
      const key = targetKey(target);
      const filter = removalsOnly && !this.truncated.has(key);
      const { paths, problem, truncated } = filter ? this.filteredTarget(target, graph) : planTarget(graph, target);
      if (truncated) this.truncated.add(key);
      else if (!filter) this.truncated.delete(key);
      this.byTarget.set(key, paths);
      if (problem === undefined) this.problemsByTarget.delete(key);
      else this.problemsByTarget.set(key, problem);
      for (const path of paths) {
        if (before.delete(keyOf(path))) kept.push(path);
        else added.push(path);
      }
    }
    // Untouched targets' paths are kept too: the diff always describes the whole plan.
    const touched = new Set(targets.map(targetKey));
    for (const target of this.targets) if (!touched.has(targetKey(target))) kept.push(...(this.byTarget.get(targetKey(target)) ?? []));

    const doneNs = this.timers.nowNs();
    const replanMs = since === null ? null : Number(doneNs - since) / 1e6;
    this.stats.lastComputeMs = Number(doneNs - computeStartNs) / 1e6;
    if (replanMs !== null) {
      this.stats.replans++;
      this.stats.lastReplanMs = replanMs;
      this.stats.maxReplanMs = Math.max(this.stats.maxReplanMs ?? 0, replanMs);
    }
    const diff: PlanDiff = {
      added,
      gone: [...before.values()],
      kept,
      problems: this.currentProblems(),
      changeReceivedAtNs: since,
      replanMs,
      computeMs: this.stats.lastComputeMs,
      sinceExabgpPrintMs: exabgpMs === null ? null : Math.max(0, this.timers.nowMs() - exabgpMs),
    };
    return diff;
  }
}

/** The distinct host declarations the targets carry; one name declared two ways is an error. */
function hostsOf(targets: readonly PlanTarget[]): HostDeclaration[] {
  const byName = new Map<string, HostDeclaration>();
  for (const host of targets.flatMap((target) => [target.fromHost, target.toHost])) {
    if (host === undefined) continue;
    const known = byName.get(host.name);
    if (known === undefined) byName.set(host.name, host);
    else if (JSON.stringify(known) !== JSON.stringify(host)) {
      throw new TopologySourceError(
        'bad-host',
        `live.Replanner: host ${host.name} is declared as ${JSON.stringify(known)} and as ${JSON.stringify(host)}; expected one declaration per host`,
        host.name,
      );
    }
  }
  return [...byName.values()];
}

function planTarget(graph: TopologyGraph, target: PlanTarget): { paths: GroupedPath[]; problem?: string; truncated?: boolean } {
  try {
    const { planned, totalWithinHops } = planPaths(graph, target.from, target.to, target.bounds, target.mode);
    return { paths: planned.map((entry) => ({ ...entry, group: target.group, from: target.from, to: target.to })), truncated: totalWithinHops > planned.length };
  } catch (error) {
    if (error instanceof TopologyError) return { paths: [], problem: error.message };
    throw error;
  }
}
