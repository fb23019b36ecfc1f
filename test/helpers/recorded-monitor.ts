/**
 * A MonitorView over recorded data that tests can change: a real topology (a YAML lab file), its real
 * planned paths, a day of generated round history in a Store, and methods that do what the monitor
 * does when the network changes: impair a link, run a round, force a state, make a path GONE, change
 * the topology source's status. Each emits the same updates the monitor emits, so the dashboard's live
 * behaviour can be tested in a browser without a lab.
 *
 * The rounds are generated from a seeded generator (base delay per path = 0.3 ms per hop plus noise),
 * so every run sees the same history. `synthetic(n)` makes n paths without a topology, for the 10,000
 * row benchmark.
 *
 * Link localization is recorded too (recorded-links.ts): a toy cover plan (one walk per router-to-router
 * direction), a latest estimate per directed link, and two link incidents with their changes and
 * estimates: an open one-way R4→R6 down incident (with ticket 4243) and a resolved two-way delay one.
 * The recorded paths stay UP: the open incident is data for the views, not an impairment. Impairing a
 * link and running a round stands in for the localizer: the impaired directions get estimates equal to
 * the impairment and an incident that opens, changes and resolves with it.
 */
import { loadTopology } from '../../src/load-topology.js';
import type { IncidentRecord } from '../../src/incidents/incident.js';
import type { LiveLink, LivePath, LivePlan, MonitorCounters, MonitorUpdate, MonitorView } from '../../src/monitor/monitor-view.js';
import type { PathStateName } from '../../src/monitor/path-state.js';
import type { TopologySourceStatus } from '../../src/live/topology-source.js';
import { planPaths } from '../../src/plan-paths.js';
import type { PathRecord, RoundResultRecord } from '../../src/store/records.js';
import type { Store } from '../../src/store/store.js';
import { buildTopology, type TopologyGraph } from '../../topology/index.js';
import { MemoryStore } from './memory-store.js';
import { RecordedLinks } from './recorded-links.js';

export { LINK_INCIDENT_TICKET_ID } from './recorded-links.js';

export const RTT_BOUNDS_MS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000];
const PROBES_PER_ROUND = 10;
export const DEFAULT_THRESHOLDS = { delayMs: 10, lossPct: 5 };

export interface Impairment {
  delayMs?: number;
  lossPct?: number;
}

export interface RecordedMonitorOptions {
  /** The clock: history ends here. Default Date.now() at construction. */
  nowMs?: number;
  historyHours?: number;
  roundIntervalMs?: number;
  store?: Store;
  seed?: number;
  /**
   * Record an incident in the history (default true): the last path loses 30 % from 2 h to 1 h 40 min
   * ago (UP -> DEGRADED -> UP, both transitions stored) and Freshdesk ticket 4242 was opened for it and
   * is still open.
   */
  incident?: boolean;
  /**
   * Record link localization (default true): the cover plan, link estimates and the two link incidents
   * (open one-way R4→R6 down for the last 30 min, resolved R3↔R5 delay from 90 to 70 min ago). Needs a
   * topology with those routers; without them only the plan and estimates are recorded.
   */
  linkIncidents?: boolean;
  /**
   * Record a full outage of the last path: 100 % loss for the rounds in [startMs, endMs), with the
   * UP -> DOWN transition at the first round in it and DOWN -> UP at the first round after it. Default none.
   */
  outage?: { startMs: number; endMs: number };
}

export const INCIDENT_TICKET_ID = 4242;

export class RecordedMonitor implements MonitorView {
  readonly store: Store;
  readonly graph: TopologyGraph;
  nowMs: number;
  status: TopologySourceStatus;
  private readonly live = new Map<string, LivePath>();
  private readonly listeners = new Set<(update: MonitorUpdate) => void>();
  private readonly impairments = new Map<string, Impairment>();
  /** Per-path impairment used while generating history (the recorded incident). */
  private readonly pathOverrides = new Map<string, Impairment>();
  private readonly baseMs = new Map<string, number>();
  private readonly random: () => number;
  private countersValue: MonitorCounters = {
    rounds: 0,
    probesSent: 0,
    probesReceived: 0,
    drops: { malformed: 0, otherSession: 0, forged: 0 },
    lastRoundAtMs: null,
    lastReplanMs: 12,
  };
  readonly roundIntervalMs: number;
  /** The link plan, estimates and incidents; null for synthetic monitors (no topology). */
  linksRecord: RecordedLinks | null = null;

  private constructor(graph: TopologyGraph, records: PathRecord[], spec: string, options: RecordedMonitorOptions) {
    this.graph = graph;
    this.store = options.store ?? new MemoryStore();
    this.nowMs = options.nowMs ?? Date.now();
    this.roundIntervalMs = options.roundIntervalMs ?? 60_000;
    this.random = mulberry32(options.seed ?? 7);
    this.status = { spec, freshness: 'static', sessionUp: false, staleSinceMs: null, lastChangeMs: this.nowMs - 86_400_000, skippedLines: 0, restarts: 0 };
    for (const record of records) {
      this.baseMs.set(record.id, 0.3 * record.hops.length + this.random() * 0.2);
      this.live.set(record.id, {
        record,
        state: 'UP',
        stateSinceMs: record.firstSeenMs,
        thresholds: { ...DEFAULT_THRESHOLDS },
        lastRound: null,
        rttHistogram: { upperBoundsMs: RTT_BOUNDS_MS, cumulativeCounts: RTT_BOUNDS_MS.map(() => 0), sumMs: 0, count: 0 },
      });
    }
  }

  /** The lab file's paths from `from` to `to`, with `historyHours` of rounds already stored. */
  static async fromTopology(file: string, from: string, to: string, options: RecordedMonitorOptions = {}): Promise<RecordedMonitor> {
    const { topology } = loadTopology(file);
    const nowMs = options.nowMs ?? Date.now();
    const historyHours = options.historyHours ?? 24;
    const plan = planPaths(topology, from, to, { maxHops: 16, maxPaths: 1000 }, 'loop');
    const records = plan.planned.map(
      ({ path, hops }): PathRecord => ({
        id: path.id,
        group: `${path.names[0]}->${path.names[path.names.length - 1]}`,
        fromNode: path.nodes[0]!,
        toNode: path.nodes[path.nodes.length - 1]!,
        names: path.names,
        hops: hops?.hops ?? [],
        hopNames: hops?.hopNames ?? [],
        linkKeys: (hops?.crossed ?? path.links).map((link) => link.key),
        firstSeenMs: nowMs - historyHours * 3600_000,
        goneAtMs: null,
      }),
    );
    const monitor = new RecordedMonitor(topology, records, `file:${file}`, { ...options, nowMs });
    await monitor.store.upsertPaths(records);
    await monitor.recordHistory(historyHours, options.incident ?? true, options.outage);
    monitor.linksRecord = new RecordedLinks(monitor, topology, from, (update) => monitor.emit(update));
    await monitor.linksRecord.record(options.linkIncidents ?? true);
    return monitor;
  }

  /** `count` paths over no real topology (names and hops made up), each with one recent round. */
  static async synthetic(count: number, options: RecordedMonitorOptions = {}): Promise<RecordedMonitor> {
    const nowMs = options.nowMs ?? Date.now();
    const records = Array.from({ length: count }, (_, i): PathRecord => {
      const hopCount = 2 + (i % 7);
      const names = ['p1', ...Array.from({ length: hopCount }, (_, h) => `r${(i * 31 + h * 7) % 500}`), `e${i % 40}`];
      return {
        id: i.toString(16).padStart(12, '0'),
        group: `p1->e${i % 40}`,
        fromNode: 'p1',
        toNode: `e${i % 40}`,
        names,
        hops: names.slice(1, -1).map((_, h) => `10.${(i >> 8) & 255}.${i & 255}.${h * 2}`),
        hopNames: names.slice(1, -1),
        linkKeys: [],
        firstSeenMs: nowMs - 3600_000,
        goneAtMs: null,
      };
    });
    const monitor = new RecordedMonitor(buildTopology([]), records, 'file:synthetic', { ...options, nowMs });
    await monitor.store.upsertPaths(records);
    monitor.runRound(nowMs);
    return monitor;
  }

  paths(): LivePath[] {
    return [...this.live.values()];
  }
  topology(): { graph: TopologyGraph; status: TopologySourceStatus } {
    return { graph: this.graph, status: this.status };
  }
  counters(): MonitorCounters {
    return this.countersValue;
  }
  incidents(): IncidentRecord[] {
    return this.linksRecord?.openIncidents() ?? [];
  }
  links(): LiveLink[] {
    return this.linksRecord?.links() ?? [];
  }
  plan(): LivePlan | null {
    return this.linksRecord?.plan() ?? null;
  }
  onUpdate(listener: (update: MonitorUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  path(id: string): LivePath {
    const path = this.live.get(id);
    if (!path) throw new Error(`recordedMonitor.path: no path ${id}`);
    return path;
  }

  /** Paths whose probes cross the link from node name `a` to `b` (either direction). */
  pathsAcross(a: string, b: string): LivePath[] {
    const keys = new Set(this.linkKeysBetween(a, b));
    return this.paths().filter((path) => path.record.linkKeys.some((key) => keys.has(key)));
  }

  /** Impairs the link between node names a and b, both directions; `{}` clears it. */
  impair(a: string, b: string, impairment: Impairment): void {
    for (const key of this.linkKeysBetween(a, b)) this.setImpairment(key, impairment);
  }

  /** Impairs only the direction from node name `from` to `to` (paths crossing it in loop mode suffer). */
  impairOneWay(from: string, to: string, impairment: Impairment): void {
    for (const link of this.graph.linksBetween(this.graph.resolveNode(from), this.graph.resolveNode(to))) this.setImpairment(link.key, impairment);
  }

  /** Directed link key to its impairment, as the next round applies it. */
  impaired(): ReadonlyMap<string, Impairment> {
    return this.impairments;
  }

  private setImpairment(key: string, impairment: Impairment): void {
    if (impairment.delayMs || impairment.lossPct) this.impairments.set(key, impairment);
    else this.impairments.delete(key);
  }

  /**
   * One probing round for every live path at `atMs` (default: now, or just after the last), stored and
   * evaluated: a round over a threshold makes the path DEGRADED, 100 % loss DOWN, a good one UP; each
   * change is stored as a transition and emitted, then the round itself is emitted.
   */
  async round(atMs = Math.max(Date.now(), this.nowMs + 1)): Promise<RoundResultRecord[]> {
    const results = this.runRound(atMs);
    await this.store.insertResults(results);
    for (const result of results) {
      const path = this.path(result.pathId);
      const next: PathStateName = result.received === 0 ? 'DOWN' : result.lossPct > path.thresholds.lossPct || (result.rttP50Ms ?? 0) > path.thresholds.delayMs ? 'DEGRADED' : 'UP';
      if (next !== path.state) await this.setState(path.record.id, next, `round at ${atMs}: loss ${result.lossPct} %, p50 ${result.rttP50Ms} ms`, atMs, [result]);
    }
    await this.linksRecord?.round(atMs);
    this.emit({ kind: 'round', atMs, pathIds: results.map((result) => result.pathId) });
    return results;
  }

  /** Forces a state change, stored and emitted as the monitor does. */
  async setState(pathId: string, to: PathStateName, reason = 'set by test', atMs = this.nowMs, rounds: RoundResultRecord[] = []): Promise<void> {
    const path = this.path(pathId);
    const from = path.state;
    path.state = to;
    path.stateSinceMs = atMs;
    await this.store.addTransition({ pathId, atMs, from, to, reason, evidence: { rounds, thresholds: path.thresholds, hysteresisRounds: 1 } });
    this.emit({ kind: 'transition', atMs, pathId, from, to });
  }

  setTopologyStatus(change: Partial<TopologySourceStatus>): void {
    this.status = { ...this.status, ...change };
    this.emit({ kind: 'topology', atMs: this.nowMs });
  }

  /** Removes a path from the plan: GONE now, and gone from the view once `drop` is true. */
  async makeGone(pathId: string, drop = false): Promise<void> {
    await this.setState(pathId, 'GONE', 'topology removed the path');
    await this.store.markPathsGone([pathId], this.nowMs);
    if (drop) this.live.delete(pathId);
    this.emit({ kind: 'topology', atMs: this.nowMs });
  }

  emit(update: MonitorUpdate): void {
    for (const listener of this.listeners) listener(update);
  }

  private linkKeysBetween(a: string, b: string): string[] {
    const id = (name: string) => this.graph.resolveNode(name);
    return [...this.graph.linksBetween(id(a), id(b)), ...this.graph.linksBetween(id(b), id(a))].map((link) => link.key);
  }

  /** History up to just before now, so the first round() a test runs is the newest point. */
  private async recordHistory(hours: number, incident: boolean, outage?: { startMs: number; endMs: number }): Promise<void> {
    const start = this.nowMs - hours * 3600_000;
    const endMs = this.nowMs - 1000;
    const last = [...this.live.values()].at(-1)?.record;
    const victim = incident ? last : undefined;
    const incidentFrom = this.nowMs - 2 * 3600_000;
    const incidentTo = incidentFrom + 20 * 60_000;
    const results: RoundResultRecord[] = [];
    const outageRounds: number[] = [];
    let recoveredAtMs: number | null = null;
    for (let at = start; at <= endMs; at += this.roundIntervalMs) {
      this.pathOverrides.clear();
      if (victim && at >= incidentFrom && at < incidentTo) this.pathOverrides.set(victim.id, { lossPct: 30 });
      if (last && outage && at >= outage.startMs && at < outage.endMs) {
        this.pathOverrides.set(last.id, { lossPct: 100 });
        outageRounds.push(at);
      }
      if (outage && at >= outage.endMs && recoveredAtMs === null && outageRounds.length > 0) recoveredAtMs = at;
      results.push(...this.runRound(at, false));
    }
    this.pathOverrides.clear();
    await this.store.insertResults(results);
    if (last && outageRounds.length > 0) {
      const evidence = { rounds: [], thresholds: DEFAULT_THRESHOLDS, hysteresisRounds: 1 };
      await this.store.addTransition({ pathId: last.id, atMs: outageRounds[0]!, from: 'UP', to: 'DOWN', reason: 'loss 100 %: nothing came back', evidence });
      if (recoveredAtMs !== null) {
        await this.store.addTransition({ pathId: last.id, atMs: recoveredAtMs, from: 'DOWN', to: 'UP', reason: 'loss 0 % <= 5 %', evidence });
        this.path(last.id).stateSinceMs = recoveredAtMs;
      } else {
        this.path(last.id).state = 'DOWN';
        this.path(last.id).stateSinceMs = outageRounds[0]!;
      }
    }
    if (!victim || incidentFrom < start) return;
    const evidence = { rounds: [], thresholds: DEFAULT_THRESHOLDS, hysteresisRounds: 3 };
    await this.store.addTransition({ pathId: victim.id, atMs: incidentFrom, from: 'UP', to: 'DEGRADED', reason: 'loss 30 % > 5 % for 3 rounds', evidence });
    await this.store.addTransition({ pathId: victim.id, atMs: incidentTo, from: 'DEGRADED', to: 'UP', reason: 'loss 0 % <= 5 % for 3 rounds', evidence });
    await this.store.saveTicket({
      subjectKey: `path:${victim.id}`,
      incidentId: `ipath${incidentFrom.toString(36)}`,
      ticketId: INCIDENT_TICKET_ID,
      openedAtMs: incidentFrom + 3 * this.roundIntervalMs,
      lastState: 'UP',
      resolvedAtMs: null,
    });
    this.path(victim.id).stateSinceMs = incidentTo;
  }

  /** Generates (and applies to the live view) one round for every live path. */
  private runRound(atMs: number, live = true): RoundResultRecord[] {
    const results: RoundResultRecord[] = [];
    for (const path of this.live.values()) {
      if (path.state === 'GONE') continue;
      let delayMs = this.baseMs.get(path.record.id)! + (this.pathOverrides.get(path.record.id)?.delayMs ?? 0);
      let lossPct = this.pathOverrides.get(path.record.id)?.lossPct ?? 0;
      for (const key of path.record.linkKeys) {
        const impairment = this.impairments.get(key);
        delayMs += impairment?.delayMs ?? 0;
        lossPct = Math.max(lossPct, impairment?.lossPct ?? 0);
      }
      const rtts: number[] = [];
      for (let i = 0; i < PROBES_PER_ROUND; i++) {
        if (this.random() * 100 >= lossPct) rtts.push(delayMs + this.random() * 0.15 * Math.max(1, delayMs));
      }
      rtts.sort((x, y) => x - y);
      const rank = (p: number) => (rtts.length ? round3(rtts[Math.min(rtts.length, Math.max(1, Math.ceil((p / 100) * rtts.length))) - 1]!) : null);
      const result: RoundResultRecord = {
        pathId: path.record.id,
        roundAtMs: atMs,
        sent: PROBES_PER_ROUND,
        received: rtts.length,
        lossPct: round3(((PROBES_PER_ROUND - rtts.length) / PROBES_PER_ROUND) * 100),
        rttMinMs: rtts.length ? round3(rtts[0]!) : null,
        rttAvgMs: rtts.length ? round3(rtts.reduce((s, v) => s + v, 0) / rtts.length) : null,
        rttMaxMs: rtts.length ? round3(rtts[rtts.length - 1]!) : null,
        rttP50Ms: rank(50),
        rttP95Ms: rank(95),
        rttP99Ms: rank(99),
        jitterMs: rtts.length > 1 ? round3((rtts[rtts.length - 1]! - rtts[0]!) / (rtts.length - 1)) : null,
      };
      results.push(result);
      if (!live) continue;
      path.lastRound = {
        atMs,
        sent: result.sent,
        received: result.received,
        lossPct: result.lossPct,
        late: 0,
        duplicates: 0,
        rttMs: rtts.length ? { min: result.rttMinMs!, avg: result.rttAvgMs!, max: result.rttMaxMs!, p50: result.rttP50Ms!, p95: result.rttP95Ms!, p99: result.rttP99Ms! } : null,
        jitterMs: result.jitterMs,
      };
      const histogram = path.rttHistogram;
      for (const rtt of rtts) {
        RTT_BOUNDS_MS.forEach((bound, i) => {
          if (rtt <= bound) histogram.cumulativeCounts[i]!++;
        });
        histogram.sumMs += rtt;
        histogram.count++;
      }
      this.countersValue.probesSent += result.sent;
      this.countersValue.probesReceived += result.received;
    }
    if (live) {
      this.countersValue.rounds++;
      this.countersValue.lastRoundAtMs = atMs;
      this.nowMs = Math.max(this.nowMs, atMs);
    }
    return results;
  }
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
