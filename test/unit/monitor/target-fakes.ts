/**
 * Fakes for monitoring ICMP/TCP/UDP targets: a TargetProber whose "network" a test sets per address
 * (up with an RTT, down, refusing, lossy), a resolver a test points names at (or makes fail), and a
 * monitor on the nanog76 topology with the real ProberTargetRounds between them, so DNS resolution,
 * grouping and lost rounds run as `pathmon run` runs them.
 */
import { join } from 'node:path';
import { roundStats, type TargetAddressing, type TargetProber, type TargetRoundOptions, type TargetRoundResult } from '../../../probes/index.js';
import { parseConfig, type MonitorConfig } from '../../../src/config/index.js';
import { StaticTopologySource } from '../../../src/live/index.js';
import { IncidentEvaluator, LinkEstimateEvaluator, PathMonitor } from '../../../src/monitor/index.js';
import type { MonitorDeps } from '../../../src/monitor/monitor-deps.js';
import { planPaths } from '../../../src/plan-paths.js';
import { ProberTargetRounds, targetRoutes, type HostResolver } from '../../../src/targets/index.js';
import type { RoundResultRecord } from '../../../src/store/records.js';
import type { Store } from '../../../src/store/store.js';
import { repoRoot } from '../../helpers/repo-root.js';
import { FakeClock, FakeNetwork, FakeWriter, FlakyStore, HandPlanner, RecordingNotifier, topologyFile } from './monitor-fakes.js';

/** Writes each round's rows into a real store, as the batching writer does; close() waits for them. */
class StoreWriter extends FakeWriter {
  private pending: Promise<void> = Promise.resolve();
  constructor(private readonly store: Store) {
    super();
  }
  override add(rows: readonly RoundResultRecord[]): void {
    super.add(rows);
    const copy = [...rows];
    this.pending = this.pending.then(() => this.store.insertResults(copy));
  }
  override async close(): Promise<unknown> {
    await this.pending;
    return super.close();
  }
}

/** What probes to one address meet. */
export type TargetBehaviour = { rttMs: number; lossEvery?: number } | 'down' | { refusedRttMs: number };

export class FakeTargetProber implements TargetProber {
  readonly seen: { addresses: string[]; options: TargetRoundOptions; addressing: TargetAddressing[] }[] = [];
  closed = false;
  constructor(
    readonly kind: 'icmp' | 'tcp' | 'udp',
    private readonly network: Map<string, TargetBehaviour>,
    private readonly clock: FakeClock,
  ) {}

  async runRound(targets: readonly TargetAddressing[], options: TargetRoundOptions): Promise<TargetRoundResult> {
    this.seen.push({ addresses: targets.map((t) => t.address), options, addressing: [...targets] });
    const samplesNs = targets.map((target) => {
      const behaviour = this.network.get(`${this.kind}:${target.address}`) ?? this.network.get(target.address) ?? { rttMs: 1 };
      return Float64Array.from({ length: options.count }, (_, seq) => {
        if (behaviour === 'down') return Number.NaN;
        if ('refusedRttMs' in behaviour) return behaviour.refusedRttMs * 1e6;
        if (behaviour.lossEvery !== undefined && seq % behaviour.lossEvery === 0) return Number.NaN;
        return behaviour.rttMs * 1e6;
      });
    });
    this.clock.now += 50;
    return {
      perTarget: samplesNs.map((samples) => roundStats(samples, 0, 0)),
      samplesNs,
      refused: targets.map((target) => {
        const behaviour = this.network.get(target.address);
        return typeof behaviour === 'object' && 'refusedRttMs' in behaviour ? options.count : 0;
      }),
      failedSourcePorts: targets.map(() => []),
      drops: { malformed: 0, foreign: 1, forged: 0 },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Names to addresses a test can change between rounds; a name missing from `names` does not resolve. */
export class FakeResolver {
  readonly names = new Map<string, string>();
  calls: string[] = [];
  readonly resolve: HostResolver = async (host) => {
    this.calls.push(host);
    const address = this.names.get(host);
    if (address === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return address;
  };
}

export interface TargetHarness {
  monitor: PathMonitor;
  clock: FakeClock;
  store: FlakyStore;
  writer: FakeWriter;
  mail: RecordingNotifier;
  tickets: RecordingNotifier;
  network: Map<string, TargetBehaviour>;
  resolver: FakeResolver;
  probers: Map<string, FakeTargetProber>;
  targetRounds: ProberTargetRounds;
  logs: string[];
  config: MonitorConfig;
}

/** `targets` is the config's `targets:` section (YAML flow or block, indented under the key). */
export function targetConfig(targets: string, extra = 'localize: { enabled: false }'): MonitorConfig {
  return parseConfig(
    `topology: ${topologyFile}
prober: { node: dev1 }
probing: { intervalMs: 1000, probesPerRound: 10, probeSpacingMs: 10, timeoutMs: 500 }
thresholds: { delayMs: 15, lossPct: 5 }
hysteresisRounds: 3
groups: [ { name: lab, endpoints: [dev2] } ]
targets: ${targets}
${extra}`,
    join(repoRoot, 'test.yaml'),
  );
}

export function targetHarness(options: {
  config: MonitorConfig;
  store?: FlakyStore;
  /** A real store (PGlite) instead of the memory one; `writer` then writes round rows into it. */
  monitorStore?: Store;
  localize?: boolean;
  clockStartMs?: number;
}): TargetHarness {
  const { config } = options;
  const source = new StaticTopologySource(topologyFile);
  const planned = planPaths(source.graph, 'dev1', 'dev2', {}, 'loop').planned.map((entry) => ({ ...entry, group: 'lab', from: 'dev1', to: 'dev2' }));
  const clock = new FakeClock(options.clockStartMs);
  const pathNetwork = new FakeNetwork(source.graph, clock);
  for (const path of planned) pathNetwork.learn(path.hops!);
  const network = new Map<string, TargetBehaviour>();
  const resolver = new FakeResolver();
  const probers = new Map<string, FakeTargetProber>();
  const targetRounds = new ProberTargetRounds(
    targetRoutes(config.targetGroups, { probing: config.probing, thresholds: config.thresholds, from: config.prober.node }),
    async (kind) => {
      const prober = new FakeTargetProber(kind, network, clock);
      probers.set(kind, prober);
      return prober;
    },
    { resolver: resolver.resolve },
  );
  const store = options.store ?? new FlakyStore();
  const writer = options.monitorStore ? new StoreWriter(options.monitorStore) : new FakeWriter();
  const mail = new RecordingNotifier('email');
  const tickets = new RecordingNotifier('freshdesk');
  const logs: string[] = [];
  let monitor: PathMonitor | null = null;
  const deps: MonitorDeps = {
    config,
    source,
    planner: new HandPlanner(planned),
    evaluators: [
      ...(options.localize ? [new LinkEstimateEvaluator(() => [])] : []),
      new IncidentEvaluator({ graph: () => source.graph, groups: () => [], paths: () => monitor!.pathStatuses(), thresholds: config.linkThresholds, hysteresisRounds: config.hysteresisRounds }),
    ],
    store: options.monitorStore ?? store,
    writer,
    runRound: pathNetwork.runRound,
    targetRounds,
    notifiers: [tickets, mail],
    clock,
    log: { info: (line) => logs.push(line), warn: (line) => logs.push(`WARN ${line}`) },
  };
  monitor = new PathMonitor(deps);
  return { monitor, clock, store, writer, mail, tickets, network, resolver, probers, targetRounds, logs, config };
}

/** Runs n rounds, one second apart. */
export async function targetRounds(h: TargetHarness, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const startMs = h.clock.now;
    await h.monitor.runRound();
    h.clock.now = startMs + 1000;
  }
}
