/**
 * Fakes for the monitor's unit tests: the nanog76 topology really planned, a probe "network" where a
 * test impairs links by name, a clock that advances when slept on, a result writer that can be made to
 * fail, notifiers that record what they were given, and a planner a test feeds plan diffs by hand.
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
import type { Notifier, PathTransition } from '../../../src/notify/notifier.js';
import { planPaths } from '../../../src/plan-paths.js';
import type { RoundResultRecord } from '../../../src/store/records.js';
import { MemoryStore } from '../../helpers/memory-store.js';
import { repoRoot } from '../../helpers/repo-root.js';

export const topologyFile = join(repoRoot, 'lab/topologies/nanog76.yaml');

export function testConfig(extra = ''): MonitorConfig {
  return parseConfig(
    `topology: ${topologyFile}
prober: { node: dev1 }
probing: { intervalMs: 1000, probesPerRound: 10, probeSpacingMs: 10, timeoutMs: 500 }
thresholds: { delayMs: 15, lossPct: 5 }
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

/** Per link (by node names, either direction) what probes crossing it suffer. */
export type LinkFault = 'down' | { delayMs: number } | { lossEvery: number };

/** Answers rounds from the path's hop names: a probe crossing a faulty link is delayed or lost. */
export class FakeNetwork {
  readonly faults = new Map<string, LinkFault>();
  rounds = 0;
  onRound: (() => void) | null = null;
  constructor(private readonly namesByFirstHops: Map<string, string[]>, private readonly clock: FakeClock) {}

  fault(a: string, b: string, fault: LinkFault | null): void {
    const key = [a, b].sort().join('-');
    if (fault === null) this.faults.delete(key);
    else this.faults.set(key, fault);
  }

  readonly runRound = async (paths: PathAddressing[], options: RoundOptions): Promise<RoundResult> => {
    this.rounds++;
    this.onRound?.();
    const samplesNs = paths.map((path) => {
      const names = this.namesByFirstHops.get(path.hops.join(','))!;
      const faults = names.slice(1).map((name, i) => this.faults.get([names[i]!, name].sort().join('-'))).filter((f) => f !== undefined);
      const baseNs = 1e6;
      return Float64Array.from({ length: options.count }, (_, seq) => {
        if (faults.some((f) => f === 'down' || ('lossEvery' in f && seq % f.lossEvery === 0))) return NaN;
        return baseNs + faults.reduce((sum, f) => sum + (typeof f === 'object' && 'delayMs' in f ? 2 * f.delayMs * 1e6 : 0), 0);
      });
    });
    this.clock.now += 100;
    const perPath: RoundStats[] = samplesNs.map((samples) => roundStats(samples, 0, 0));
    return { perPath, samplesNs, drops: { malformed: 1, otherSession: 0, forged: 0 }, histograms: new PathHistograms(paths.length), sendSpanNs: 0 };
  };
}

export class RecordingNotifier implements Notifier {
  readonly calls: PathTransition[][] = [];
  retries = 0;
  closed = false;
  constructor(readonly channel: 'email' | 'freshdesk', private readonly failWith: Error | null = null) {}
  async notify(transitions: PathTransition[]): Promise<void> {
    this.calls.push(transitions);
    if (this.failWith) throw this.failWith;
  }
  async retryQueued(): Promise<void> {
    this.retries++;
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
}

export function harness(options: { config?: MonitorConfig; store?: FlakyStore; ticketsFail?: Error; retentionEveryMs?: number } = {}): Harness {
  const config = options.config ?? testConfig();
  const source = new StaticTopologySource(topologyFile);
  const planned: GroupedPath[] = planPaths(source.graph, 'dev1', 'dev2', {}, 'loop').planned.map((entry) => ({ ...entry, group: 'lab', from: 'dev1', to: 'dev2' }));
  const clock = new FakeClock();
  const network = new FakeNetwork(new Map(planned.map((p) => [p.hops!.hops.join(','), p.path.names])), clock);
  const store = options.store ?? new FlakyStore();
  const writer = new FakeWriter();
  const mail = new RecordingNotifier('email');
  const tickets = new RecordingNotifier('freshdesk', options.ticketsFail ?? null);
  const planner = new HandPlanner(planned);
  const logs: string[] = [];
  const deps: MonitorDeps = {
    config,
    source,
    planner,
    store,
    writer,
    runRound: network.runRound,
    notifiers: [tickets, mail],
    clock,
    log: { info: (line) => logs.push(line), warn: (line) => logs.push(`WARN ${line}`) },
    ...(options.retentionEveryMs !== undefined ? { retentionEveryMs: options.retentionEveryMs } : {}),
  };
  return { monitor: new PathMonitor(deps), clock, network, store, writer, mail, tickets, planner, planned, logs, source };
}

export const crosses = (names: string[], a: string, b: string): boolean =>
  names.some((name, i) => (name === a && names[i + 1] === b) || (name === b && names[i + 1] === a));

/** Runs n rounds, advancing the clock one interval between them. */
export async function rounds(h: Harness, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await h.monitor.runRound();
    h.clock.now += 900;
  }
}
