/**
 * One agent of a fleet: registers, then at every report interval heartbeats, publishes its plan's
 * routes when they changed, rebalances its share of the work and takes or renews the leader lease.
 * Reports come a little early at random (so a fleet started together spreads out), and right after
 * another agent whose work this one would take has expired (report-schedule.ts), so that work moves
 * as soon as the hold time allows rather than up to an interval later.
 * Everything it knows comes back from the database at each report, so a report that fails changes
 * nothing until the next one succeeds; the only state it keeps on its own is how long it may still
 * trust what it was last told (measured on its monotonic clock, never its wall clock):
 *  - leadership ends locally one lease length after the renewal was sent, before the server's expiry;
 *  - targets (which others can take over) are dropped once it has not reported for a hold time,
 *    paths and walks from its own node are kept (no one else can run them; results are spilled).
 *
 * The wall clock is read only to measure the skew against the server's, for a warning.
 */
import { systemClock, type Clock } from '../clock.js';
import { randomUUID } from 'node:crypto';
import type { SqlClient } from '../store/sql-client.js';
import { redactError } from '../secrets/index.js';
import type { AgentCapabilities, AgentIdentity } from './agent-identity.js';
import { registerAgent, reportIn, stopAgent, type ClockReading } from './agent-registry.js';
import { FleetError } from './fleet-error.js';
import { LEADER_LEASE, takeLease } from './fleet-lease.js';
import { expiryWakeInMs, nextReportDelayMs } from './report-schedule.js';
import { departuresOnly, membership, publishWork, rebalance, takeOver, unmonitoredRoutes, type AgentSession, type WorkItem } from './work-assignment.js';
import { compactWorkTally } from './work-tally.js';

export interface FleetLog {
  info(line: string): void;
  warn(line: string): void;
  error?(line: string): void;
}

/** The fleet's slice of the application clock: wall time (only compared with the server's, for the skew warning) and a monotonic clock for how long the agent may trust its last report. */
export type FleetClock = Pick<Clock, 'nowMs' | 'monotonicMs'>;

export const systemFleetClock: FleetClock = systemClock;

export interface FleetAgentOptions {
  client: SqlClient;
  fleet: string;
  identity: AgentIdentity;
  node: string | null;
  targetGroups: readonly string[];
  version: string;
  /** The newest migration this pathmon knows. */
  schemaVersion: number;
  holdTimeMs: number;
  reportIntervalMs: number;
  maxClockSkewMs: number;
  /** The database role the agent must be logged in as; unchecked when absent. */
  role?: string | undefined;
  /** The routes this agent's plan has now (read at every report; published when it changed). */
  work: () => readonly WorkItem[];
  log: FleetLog;
  clock?: FleetClock;
  /** Tests: the jitter's random source, [0, 1). */
  random?: () => number;
}

export interface FleetStatus {
  agentId: string;
  registered: boolean;
  leader: boolean;
  leaderEpoch: number | null;
  held: number;
  clockSkewMs: number | null;
  lastError: string | null;
}

export class FleetAgent {
  readonly agentId: string;
  private readonly session: AgentSession;
  private readonly clock: FleetClock;
  private registered = false;
  private held = new Set<string>();
  private heldKinds = new Map<string, WorkItem['kind']>();
  private leaderUntilMono = -Infinity;
  private leaderEpoch: number | null = null;
  private wasLeader = false;
  private lastReportMono: number | null = null;
  private publishedSignature: string | null = null;
  private skewMs: number | null = null;
  private skewWarned = false;
  private lastMembers: Map<string, string> | null = null;
  /** A takeover ran instead of a whole pass: the next report runs the whole pass (new heirs, stragglers). */
  private fullPassDue = false;
  private rebalancedSignature: string | null = null;
  private waiting = 0;
  private heirOf = new Set<string>();
  /** Monotonic time of the next expiry (of an agent whose work this one would take), or null. */
  private wakeAtMono: number | null = null;
  private skippedRebalances = 0;
  private lastError: string | null = null;
  private capabilitiesChanged: AgentCapabilities | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stepDownTimer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private closed = false;
  private readonly leadershipListeners = new Set<(leader: boolean) => void>();
  private readonly assignmentListeners = new Set<(held: readonly string[]) => void>();

  constructor(private readonly options: FleetAgentOptions) {
    this.agentId = options.identity.agentId;
    this.session = { fleet: options.fleet, agentId: options.identity.agentId, sessionId: randomUUID() };
    this.clock = options.clock ?? systemFleetClock;
  }

  /**
   * Registers and does the first report; refusals (duplicate id, schema too old, wrong role) are thrown
   * here, before anything is probed. Then reports every reportIntervalMs until close() (unless
   * `reportOnTimer` is false: the benchmark drives tick() itself, then calls startReporting()).
   */
  async start(options: { reportOnTimer?: boolean } = {}): Promise<void> {
    if (this.options.role !== undefined) {
      const { rows } = await this.options.client.query<{ u: string }>('SELECT current_user AS u');
      const login = rows[0]?.u;
      if (login !== this.options.role) {
        throw new FleetError('wrong-role', `fleet.start: the database login is role ${login ?? '?'}, but fleet.role is ${this.options.role}; expected storage.url to log in as ${this.options.role}`);
      }
    }
    await this.register();
    await this.tick();
    if (options.reportOnTimer !== false) this.schedule();
  }

  /** Reports on the timer from now on (after start({ reportOnTimer: false })). */
  startReporting(): void {
    if (this.timer === null) this.schedule();
  }

  /** Route ids this agent should probe now. */
  assignedWork(): string[] {
    return [...this.held];
  }

  isAssigned(routeId: string): boolean {
    return this.held.has(routeId);
  }

  /** Whether this process holds the fleet's leader lease now (evaluate fleet-wide, localize, notify). */
  isLeader(): boolean {
    return this.wasLeader && this.clock.monotonicMs() < this.leaderUntilMono;
  }

  /** Called with true when this process becomes leader, false when it stops being it. Returns the unsubscribe. */
  onLeadershipChange(listener: (leader: boolean) => void): () => void {
    this.leadershipListeners.add(listener);
    return () => this.leadershipListeners.delete(listener);
  }

  /** Called with the held route ids whenever they change. */
  onAssignmentChange(listener: (held: readonly string[]) => void): () => void {
    this.assignmentListeners.add(listener);
    return () => this.assignmentListeners.delete(listener);
  }

  /** Routes of the fleet no live agent can run (never DOWN, no ticket). */
  unmonitored(): Promise<string[]> {
    return unmonitoredRoutes(this.options.client, this.options.fleet);
  }

  /** Capabilities learnt after start (kernel timestamps, once the receiver is open); written at the next report. */
  updateCapabilities(capabilities: AgentCapabilities): void {
    this.options.identity.capabilities = capabilities;
    this.capabilitiesChanged = capabilities;
  }

  status(): FleetStatus {
    return {
      agentId: this.agentId,
      registered: this.registered,
      leader: this.isLeader(),
      leaderEpoch: this.isLeader() ? this.leaderEpoch : null,
      held: this.held.size,
      clockSkewMs: this.skewMs,
      lastError: this.lastError,
    };
  }

  /** One report now (tests and the benchmark drive it; the timer calls it otherwise). Never throws. */
  tick(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.inFlight ??= this.report().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** Stops reporting without telling the database: what a killed process leaves behind (tests). */
  stopTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.stepDownTimer) clearTimeout(this.stepDownTimer);
    this.timer = null;
    this.stepDownTimer = null;
    this.closed = true;
  }

  /** Stops reporting, then tells the fleet: listed as stopped, work and lease released at once. Never throws. */
  async close(): Promise<void> {
    if (this.closed && this.timer === null && !this.registered) return;
    this.stopTimers();
    await this.inFlight?.catch(() => undefined);
    if (this.registered) {
      try {
        await this.options.client.transaction((tx) => stopAgent(tx, this.session));
      } catch (error) {
        this.options.log.warn(`fleet: leaving fleet ${this.options.fleet}: ${redactError(error)} (the others take over after the hold time)`);
      }
      this.registered = false;
    }
    this.setHeld([], new Map());
    this.setLeader(false);
  }

  private schedule(): void {
    if (this.closed) return;
    const wakeInMs = this.wakeAtMono === null ? null : this.wakeAtMono - this.clock.monotonicMs();
    const delayMs = nextReportDelayMs(this.options.reportIntervalMs, this.options.random ?? Math.random, wakeInMs);
    this.timer = setTimeout(() => {
      void this.tick().then(() => this.schedule());
    }, delayMs);
    this.timer.unref();
  }

  private async register(): Promise<void> {
    const { identity } = this.options;
    const reading = await registerAgent(
      this.options.client,
      {
        ...this.session,
        hostname: identity.hostname,
        node: this.options.node,
        interfaces: identity.interfaces,
        capabilities: identity.capabilities,
        targetGroups: [...this.options.targetGroups],
        version: this.options.version,
        schemaVersion: this.options.schemaVersion,
        holdTimeMs: this.options.holdTimeMs,
        reportIntervalMs: this.options.reportIntervalMs,
      },
      () => this.clock.nowMs(),
    );
    this.registered = true;
    this.publishedSignature = null;
    this.lastMembers = null;
    this.noteSkew(reading);
    this.options.log.info(
      `fleet: agent ${this.agentId} (${identity.hostname}, node ${this.options.node ?? '-'}) registered in fleet ${this.options.fleet}, ` +
        `hold time ${this.options.holdTimeMs} ms, report interval ${this.options.reportIntervalMs} ms`,
    );
  }

  private async report(): Promise<void> {
    const sentMono = this.clock.monotonicMs();
    try {
      if (!this.registered) await this.register();
      // Heartbeat, the live agents and whether the leader lease is free: one round trip.
      const seen = await reportIn(this.options.client, this.session, this.skewMs ?? 0, this.capabilitiesChanged, LEADER_LEASE, () => this.clock.nowMs());
      const answeredMono = this.clock.monotonicMs();
      if (seen === null) {
        this.registered = false;
        this.wakeAtMono = null;
        this.setHeld([], new Map());
        this.setLeader(false);
        throw new FleetError(
          'registration-lost',
          `fleet: agent id ${this.agentId} was taken over by another process after this one went silent past its hold time (${this.options.holdTimeMs} ms); ` +
            'probing no fleet work until it can register again',
        );
      }
      this.capabilitiesChanged = null;
      this.noteSkew(seen.clock);
      const previousReportMono = this.lastReportMono;
      this.lastReportMono = sentMono;
      const items = this.options.work();
      const signature = workSignature(items);
      const scope = { node: this.options.node, targetGroups: this.options.targetGroups };
      if (signature !== this.publishedSignature) {
        await this.options.client.transaction((tx) => publishWork(tx, this.session, scope, items));
        this.publishedSignature = signature;
      }
      const agents = seen.agents;
      // Who should hold what changes only with the live agents or the published work: a report that
      // sees the same fleet and had nothing waiting skips the pass (it is most of a report's cost), but
      // never more than REBALANCE_EVERY reports in a row, nor after a gap in reporting. When agents only
      // left, it takes over what comes to it at once (a few rows) and runs the whole pass next report.
      const members = membership(agents);
      const gap = previousReportMono !== null && sentMono - previousReportMono > 1.5 * this.options.reportIntervalMs;
      const departed = this.lastMembers === null ? null : departuresOnly(this.lastMembers, members);
      const sameMembers = this.lastMembers !== null && departed === null && sameMembership(this.lastMembers, members);
      if (!sameMembers || signature !== this.rebalancedSignature || this.waiting > 0 || gap || this.fullPassDue || ++this.skippedRebalances >= REBALANCE_EVERY) {
        if (departed !== null && signature === this.rebalancedSignature && this.waiting === 0 && !gap && !this.fullPassDue) {
          const taken = await this.options.client.transaction((tx) => takeOver(tx, this.session, scope, agents, departed));
          const kinds = new Map([...this.heldKinds, ...taken]);
          this.setHeld([...this.held, ...taken.keys()], kinds);
          for (const id of departed) this.heirOf.delete(id);
          this.fullPassDue = true;
        } else {
          const result = await this.options.client.transaction((tx) => rebalance(tx, this.session, scope, agents));
          this.setHeld(result.held, result.heldKinds);
          this.rebalancedSignature = signature;
          this.waiting = result.waiting;
          this.heirOf = result.heirOf;
          this.skippedRebalances = 0;
          this.fullPassDue = false;
        }
        this.lastMembers = members;
      }
      const wakeInMs = expiryWakeInMs(agents, this.heirOf, this.agentId);
      this.wakeAtMono = wakeInMs === null ? null : answeredMono + wakeInMs;
      // The lease runs one report interval shorter than the hold time, so a successor takes over
      // within one hold time of the leader's last report.
      const leaseMs = this.options.holdTimeMs - this.options.reportIntervalMs;
      // Only the holder renews, and the others try only once it is free: a hundred agents do not queue on its row.
      const lease = seen.leaseOpen ? await takeLease(this.options.client, this.session, leaseMs) : null;
      if (lease) {
        this.leaderUntilMono = sentMono + leaseMs;
        this.leaderEpoch = lease.epoch;
        this.armStepDown();
      }
      this.setLeader(lease !== null);
      // The leader merges the work counts appended since its last report (nothing to do when none were).
      if (lease !== null) await compactWorkTally(this.options.client, this.options.fleet);
      if (this.lastError !== null) this.options.log.info(`fleet: reporting to fleet ${this.options.fleet} again`);
      this.lastError = null;
    } catch (error) {
      const text = redactError(error);
      if (text !== this.lastError) (this.options.log.error ?? this.options.log.warn)(`fleet: report failed: ${text}`);
      this.lastError = text;
    } finally {
      this.expireLocally();
    }
  }

  /** What the agent stops trusting when it has not been able to report for long enough. */
  private expireLocally(): void {
    const now = this.clock.monotonicMs();
    if (this.wasLeader && now >= this.leaderUntilMono) this.setLeader(false);
    if (this.lastReportMono !== null && now - this.lastReportMono >= this.options.holdTimeMs) {
      const keep = [...this.held].filter((id) => this.heldKinds.get(id) !== 'target');
      if (keep.length !== this.held.size) this.setHeld(keep, this.heldKinds);
    }
  }

  private armStepDown(): void {
    if (this.stepDownTimer) clearTimeout(this.stepDownTimer);
    if (this.closed) return;
    this.stepDownTimer = setTimeout(() => this.expireLocally(), Math.max(0, this.leaderUntilMono - this.clock.monotonicMs()) + 1);
    this.stepDownTimer.unref();
  }

  private noteSkew(reading: ClockReading): void {
    this.skewMs = reading.skewMs;
    const off = Math.abs(reading.skewMs) > this.options.maxClockSkewMs;
    if (off && !this.skewWarned) {
      this.options.log.warn(
        `fleet: this host's clock is ${(Math.abs(reading.skewMs) / 1000).toFixed(1)} s ${reading.skewMs > 0 ? 'ahead of' : 'behind'} the database server's ` +
          `(more than fleet.maxClockSkewMs ${this.options.maxClockSkewMs} ms); expiry and leases use only the server's clock, but the times this agent ` +
          'stamps on its round results will be off: expected NTP (chrony, systemd-timesyncd) on this host',
      );
    } else if (!off && this.skewWarned) {
      this.options.log.info(`fleet: this host's clock is within ${this.options.maxClockSkewMs} ms of the database server's again`);
    }
    this.skewWarned = off;
  }

  private setHeld(held: readonly string[], kinds: Map<string, WorkItem['kind']>): void {
    const next = new Set(held);
    this.heldKinds = kinds;
    const same = next.size === this.held.size && [...next].every((id) => this.held.has(id));
    this.held = next;
    if (same) return;
    for (const listener of [...this.assignmentListeners]) {
      try {
        listener([...next]);
      } catch (error) {
        this.options.log.warn(`fleet: an assignment listener failed: ${redactError(error)}`);
      }
    }
  }

  private setLeader(leader: boolean): void {
    const now = leader && this.clock.monotonicMs() < this.leaderUntilMono;
    if (now === this.wasLeader) return;
    this.wasLeader = now;
    this.options.log.info(
      `fleet: agent ${this.agentId} ${now ? `is now the leader of fleet ${this.options.fleet} (epoch ${this.leaderEpoch})` : `is no longer the leader of fleet ${this.options.fleet}`}`,
    );
    for (const listener of [...this.leadershipListeners]) {
      try {
        listener(now);
      } catch (error) {
        this.options.log.warn(`fleet: a leadership listener failed: ${redactError(error)}`);
      }
    }
  }
}

function sameMembership(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, share] of a) if (b.get(id) !== share) return false;
  return true;
}

/** Reports in a row that may skip the rebalancing pass when nothing seems to have changed. */
const REBALANCE_EVERY = 6;

function workSignature(items: readonly WorkItem[]): string {
  return items
    .map((i) => `${i.routeId}|${i.kind}|${i.sourceNode ?? ''}|${i.targetGroup ?? ''}|${i.probeKind}`)
    .sort()
    .join('\n');
}
