/**
 * Fakes for the monitor's unit tests: the nanog76 topology really planned, a probe "network" where a
 * test impairs links by name, a clock that advances when slept on, a result writer that can be made to
 * fail, notifiers that record the outbox items delivered to them, and a planner a test feeds plan diffs
 * by hand.
 */
import { join } from 'node:path';
import type { PathAddressing, RoundOptions, RoundResult, RoundStats } from '../../../probes/index.js';
import { PathHistograms, roundStats } from '../../../probes/index.js';
import { parseConfig, type MonitorConfig } from '../../../src/config/index.js';
import type { PlanDiff, GroupedPath } from '../../../src/live/plan-diff.js';
import type { TopologySource } from '../../../src/live/topology-source.js';
import { StaticTopologySource } from '../../../src/live/index.js';
import type { MonitorClock, MonitorDeps, Planner, ResultQueue } from '../../../src/monitor/monitor-deps.js';
import { PathMonitor } from '../../../src/monitor/path-monitor.js';
import type { DeliveryOutcome, Notifier } from '../../../src/notify/notifier.js';
import type { IncidentChange } from '../../../src/incidents/index.js';
import { IncidentEvaluator, LinkEstimateEvaluator } from '../../../src/monitor/index.js';
import { WalkReplanner } from '../../../src/live/index.js';
import type { PathHops, TopologyGraph } from '../../../topology/index.js';
import { planPaths } from '../../../src/plan-paths.js';
import type { OutboxItem, RoundResultRecord } from '../../../src/store/records.js';
import type { Store } from '../../../src/store/store.js';
import { MemoryStore } from '../../helpers/memory-store.js';
import { repoRoot } from '../../helpers/repo-root.js';

export const topologyFile = join(repoRoot, 'lab/topologies/nanog76.yaml');

export function testConfig(extra = '', intervalMs = 1000): MonitorConfig {
  return parseConfig(
    `topology: ${topologyFile}
prober: { node: dev1 }
probing: { intervalMs: ${intervalMs}, probesPerRound: 10, probeSpacingMs: 10, timeoutMs: 500 }
thresholds: { delayMs: 15, lossPct: 5 }
linkThresholds: { lossPct: 2, addedDelayMs: 1 }
hysteresisRounds: 3
groups: [ { name: lab, endpoints: [dev2] } ]
${extra}`,
    join(repoRoot, 'test.yaml'),
  );
}

export class FakeClock implements MonitorClock {
  constructor(public now = 1_700_000_000_000) {}
  nowMs(): number {
    return this.now;
  }
  async sleepMs(ms: number, signal: AbortSignal): Promise<void> {
    if (!signal.aborted) this.now += ms;
  }
}

/** What probes crossing a faulty directed link suffer (delay is per crossing). */
export type LinkFault = 'down' | { delayMs: number } | { lossEvery: number };

/**
 * Answers rounds from the directed links each probe crosses (paths and cover walks alike): a probe
 * crossing a faulty direction is delayed or lost, so one-way faults hit only what crosses that way.
 */
export class FakeNetwork {
  readonly faults = new Map<string, LinkFault>();
  rounds = 0;
  onRound: (() => void) | null = null;
  private readonly linksByHops = new Map<string, string[]>();
  constructor(
    private readonly topology: TopologyGraph,
    private readonly clock: FakeClock,
  ) {}

  /** Teaches the network which links a probe with these hops crosses. */
  learn(hops: PathHops): void {
    this.linksByHops.set(
      hopsKey(hops),
      hops.crossed.map((link) => link.key),
    );
  }

  fault(a: string, b: string, fault: LinkFault | null, oneWay = false): void {
    const directions = oneWay
      ? [[a, b]]
      : [
          [a, b],
          [b, a],
        ];
    for (const [from, to] of directions) {
      for (const link of this.topology.linksBetween(this.topology.resolveNode(from!), this.topology.resolveNode(to!))) {
        if (fault === null) this.faults.delete(link.key);
        else this.faults.set(link.key, fault);
      }
    }
  }

  readonly runRound = async (paths: PathAddressing[], options: RoundOptions): Promise<RoundResult> => {
    this.rounds++;
    this.onRound?.();
    const samplesNs = paths.map((path) => {
      const links = this.linksByHops.get(hopsKey(path));
      if (!links) throw new Error(`FakeNetwork: probes to ${path.hops.join(',')} were never learnt`);
      const faults = links.map((key) => this.faults.get(key)).filter((f) => f !== undefined);
      const baseNs = 1e6;
      return Float64Array.from({ length: options.count }, (_, seq) => {
        if (faults.some((f) => f === 'down' || ('lossEvery' in f && seq % f.lossEvery === 0))) return NaN;
        return baseNs + faults.reduce((sum, f) => sum + (typeof f === 'object' && 'delayMs' in f ? f.delayMs * 1e6 : 0), 0);
      });
    });
    this.clock.now += 100;
    const perPath: RoundStats[] = samplesNs.map((samples) => roundStats(samples, 0, 0));
    return { perPath, samplesNs, drops: { malformed: 1, otherSession: 0, forged: 0 }, histograms: new PathHistograms(paths.length), sendSpanNs: 0 };
  };
}

function hopsKey(hops: Pick<PathHops, 'hops' | 'returnAddress'>): string {
  return `${hops.hops.join(',')}>${hops.returnAddress}`;
}

/** A channel that records every outbox item delivered to it (or throws `failWith` on every attempt). */
export class RecordingNotifier implements Notifier {
  readonly delivered: OutboxItem[] = [];
  readonly concurrency = 4;
  readonly retryBackoff = { baseMs: 30_000, capMs: 600_000 };
  readonly maxAttempts = Number.POSITIVE_INFINITY;
  attempts = 0;
  closed = false;
  constructor(
    readonly channel: 'email' | 'freshdesk',
    private readonly failWith: Error | null = null,
  ) {}
  async deliver(item: OutboxItem): Promise<DeliveryOutcome> {
    this.attempts++;
    if (this.failWith) throw this.failWith;
    this.delivered.push(item);
    return { kind: 'delivered', detail: `recorded ${item.id}` };
  }
  /** The changes delivered, one group per round that made them (oldest first), in the order they were made. */
  get calls(): IncidentChange[][] {
    const rounds = new Map<number, OutboxItem[]>();
    for (const item of this.delivered) rounds.set(item.createdAtMs, [...(rounds.get(item.createdAtMs) ?? []), item]);
    return [...rounds].sort(([a], [b]) => a - b).map(([, items]) => items.sort((a, b) => a.id - b.id).map((item) => item.change));
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

export class FakeWriter implements ResultQueue {
  readonly written: RoundResultRecord[] = [];
  closed = false;
  add(rows: readonly RoundResultRecord[]): void {
    this.written.push(...rows);
  }
  async close(): Promise<unknown> {
    this.closed = true;
    return undefined;
  }
  stats() {
    return { buffered: 0, spilled: 0, state: 'ok', lastError: null };
  }
}

/** A store whose writes fail while `down` is set, as a database outage looks to the monitor. */
export class FlakyStore extends MemoryStore {
  down = false;
  closedCalls = 0;
  override async addTransitions(...args: Parameters<MemoryStore['addTransitions']>): Promise<void> {
    if (this.down) throw new Error('store.addTransitions: connection refused');
    return super.addTransitions(...args);
  }
  override async addTransition(...args: Parameters<MemoryStore['addTransition']>): Promise<void> {
    if (this.down) throw new Error('store.addTransition: connection refused');
    return super.addTransition(...args);
  }
  override async upsertPaths(...args: Parameters<MemoryStore['upsertPaths']>): Promise<void> {
    if (this.down) throw new Error('store.upsertPaths: connection refused');
    return super.upsertPaths(...args);
  }
  override async close(): Promise<void> {
    this.closedCalls++;
  }
}

export class HandPlanner implements Planner {
  private listener: ((diff: PlanDiff) => void) | null = null;
  closed = false;
  constructor(private readonly first: GroupedPath[]) {}
  start(): PlanDiff {
    return { added: this.first, gone: [], kept: [], problems: [], changeReceivedAtNs: null, replanMs: null };
  }
  onPlan(listener: (diff: PlanDiff) => void): () => void {
    this.listener = listener;
    return () => (this.listener = null);
  }
  change(diff: Partial<PlanDiff>): void {
    this.listener?.({ added: [], gone: [], kept: [], problems: [], changeReceivedAtNs: 1n, replanMs: 12.5, ...diff });
  }
  close(): void {
    this.closed = true;
  }
}

export interface Harness {
  monitor: PathMonitor;
  clock: FakeClock;
  network: FakeNetwork;
  store: FlakyStore;
  writer: FakeWriter;
  mail: RecordingNotifier;
  tickets: RecordingNotifier;
  planner: HandPlanner;
  planned: GroupedPath[];
  logs: string[];
  source: TopologySource;
  walkPlanner: WalkReplanner | null;
}

/**
 * A monitor on the nanog76 topology. Path incidents are always evaluated (that is how path failures
 * reach the notifiers); `localize` adds the real walk planner and the link estimator, as `pathmon run`
 * wires them.
 */
export function harness(
  options: {
    config?: MonitorConfig;
    store?: FlakyStore;
    /** Replaces the store the monitor uses (a real PGlite store); `store` is then unused. */
    monitorStore?: Store;
    /** Replaces the recording notifiers (real ones against fakes). */
    notifiers?: Notifier[];
    clockStartMs?: number;
    ticketsFail?: Error;
    retentionEveryMs?: number;
    localize?: boolean;
  } = {},
): Harness {
  const config = options.config ?? (options.localize ? testConfig('localize: { probesPerWalk: 40, probeSpacingMs: 5 }', 2000) : testConfig('localize: { enabled: false }'));
  const source = new StaticTopologySource(topologyFile);
  const planned: GroupedPath[] = planPaths(source.graph, 'dev1', 'dev2', {}, 'loop').planned.map((entry) => ({ ...entry, group: 'lab', from: 'dev1', to: 'dev2' }));
  const clock = new FakeClock(options.clockStartMs);
  const network = new FakeNetwork(source.graph, clock);
  for (const path of planned) network.learn(path.hops!);
  const walkPlanner = options.localize ? new WalkReplanner(source, { prober: 'dev1', coverage: 2, maxHops: 16 }) : null;
  if (walkPlanner) {
    // Learn every walk the planner will hand the monitor, so the fake network can answer them.
    const probe = new WalkReplanner(source, { prober: 'dev1', coverage: 2, maxHops: 16 });
    for (const entry of probe.start().added) network.learn(entry.hops!);
    probe.close();
  }
  const store = options.store ?? new FlakyStore();
  const writer = new FakeWriter();
  const mail = new RecordingNotifier('email');
  const tickets = new RecordingNotifier('freshdesk', options.ticketsFail ?? null);
  const planner = new HandPlanner(planned);
  const logs: string[] = [];
  let monitor: PathMonitor | null = null;
  const groups = () => walkPlanner?.plan()?.groups ?? [];
  const deps: MonitorDeps = {
    config,
    source,
    planner,
    ...(walkPlanner && { walkPlanner }),
    evaluators: [
      ...(walkPlanner ? [new LinkEstimateEvaluator(groups)] : []),
      new IncidentEvaluator({ graph: () => source.graph, groups, paths: () => monitor!.pathStatuses(), thresholds: config.linkThresholds, hysteresisRounds: config.hysteresisRounds }),
    ],
    store: options.monitorStore ?? store,
    writer,
    runRound: network.runRound,
    notifiers: options.notifiers ?? [tickets, mail],
    clock,
    log: { info: (line) => logs.push(line), warn: (line) => logs.push(`WARN ${line}`) },
    ...(options.retentionEveryMs !== undefined ? { retentionEveryMs: options.retentionEveryMs } : {}),
  };
  monitor = new PathMonitor(deps);
  return { monitor, clock, network, store, writer, mail, tickets, planner, planned, logs, source, walkPlanner };
}

export const crosses = (names: string[], a: string, b: string): boolean => names.some((name, i) => (name === a && names[i + 1] === b) || (name === b && names[i + 1] === a));

/** Runs n rounds, advancing the clock one interval between them. */
export async function rounds(h: Harness, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await h.monitor.runRound();
    h.clock.now += 900;
  }
}
