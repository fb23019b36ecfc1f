/**
 * An in-memory Store for the web tests while the real one (src/store, PGlite) is being built: the same
 * contract, plain arrays, the same rollup idea (rounds folded into at most maxPoints buckets) so the chart
 * sees what it will see from the database. Not for production: no persistence, no retention.
 */
import type { PathStateName } from '../../src/monitor/path-state.js';
import type { NotificationRecord, PathRecord, RoundResultRecord, TicketRecord, TopologySnapshotRecord, TransitionRecord } from '../../src/store/records.js';
import type { HistoryPoint, PathSummary, Store } from '../../src/store/store.js';

export class MemoryStore implements Store {
  readonly description = 'memory:test';
  readonly pathRecords = new Map<string, PathRecord>();
  readonly results: RoundResultRecord[] = [];
  readonly transitionRecords: TransitionRecord[] = [];
  readonly tickets: TicketRecord[] = [];
  readonly notifications: NotificationRecord[] = [];
  readonly snapshots: TopologySnapshotRecord[] = [];
  private readonly byPath = new Map<string, RoundResultRecord[]>();

  async upsertPaths(paths: PathRecord[]): Promise<void> {
    for (const path of paths) this.pathRecords.set(path.id, { ...path });
  }
  async markPathsGone(pathIds: string[], atMs: number): Promise<void> {
    for (const id of pathIds) {
      const path = this.pathRecords.get(id);
      if (path) path.goneAtMs = atMs;
    }
  }
  async paths(): Promise<PathRecord[]> {
    return [...this.pathRecords.values()];
  }
  async insertResults(results: RoundResultRecord[]): Promise<void> {
    for (const result of results) {
      this.results.push(result);
      let list = this.byPath.get(result.pathId);
      if (!list) this.byPath.set(result.pathId, (list = []));
      list.push(result);
    }
  }
  async addTransition(transition: TransitionRecord): Promise<void> {
    this.transitionRecords.push(transition);
  }
  async currentStates(): Promise<Map<string, { state: PathStateName; sinceMs: number }>> {
    const states = new Map<string, { state: PathStateName; sinceMs: number }>();
    for (const t of this.transitionRecords) states.set(t.pathId, { state: t.to, sinceMs: t.atMs });
    return states;
  }
  async transitions(pathId: string | null, sinceMs: number, untilMs = Infinity): Promise<TransitionRecord[]> {
    return this.transitionRecords.filter((t) => (pathId === null || t.pathId === pathId) && t.atMs >= sinceMs && t.atMs <= untilMs);
  }
  async openTicket(pathId: string): Promise<TicketRecord | null> {
    return this.tickets.find((t) => t.pathId === pathId && t.resolvedAtMs === null) ?? null;
  }
  async saveTicket(ticket: TicketRecord): Promise<void> {
    const index = this.tickets.findIndex((t) => t.ticketId === ticket.ticketId);
    if (index >= 0) this.tickets[index] = ticket;
    else this.tickets.push(ticket);
  }
  async openTickets(): Promise<TicketRecord[]> {
    return this.tickets.filter((t) => t.resolvedAtMs === null);
  }
  async addNotification(notification: NotificationRecord): Promise<void> {
    this.notifications.push(notification);
  }
  async addTopologySnapshot(snapshot: TopologySnapshotRecord): Promise<void> {
    this.snapshots.push(snapshot);
  }

  async history(pathId: string, sinceMs: number, untilMs: number, maxPoints = 1000): Promise<HistoryPoint[]> {
    const rounds = this.roundsIn(pathId, sinceMs, untilMs);
    if (rounds.length <= maxPoints) return rounds.map((round) => fold([round], round.roundAtMs));
    const bucketMs = Math.ceil((untilMs - sinceMs) / maxPoints);
    const buckets = new Map<number, RoundResultRecord[]>();
    for (const round of rounds) {
      const start = sinceMs + Math.floor((round.roundAtMs - sinceMs) / bucketMs) * bucketMs;
      let bucket = buckets.get(start);
      if (!bucket) buckets.set(start, (bucket = []));
      bucket.push(round);
    }
    return [...buckets].map(([start, bucket]) => fold(bucket, start));
  }

  async summaries(sinceMs: number, untilMs: number): Promise<PathSummary[]> {
    const states = await this.currentStates();
    return [...this.pathRecords.values()].map((path) => {
      const rounds = this.roundsIn(path.id, sinceMs, untilMs);
      const point = rounds.length > 0 ? fold(rounds, sinceMs) : null;
      const state = states.get(path.id);
      const ticket = this.tickets.find((t) => t.pathId === path.id && t.resolvedAtMs === null);
      return {
        path,
        rounds: rounds.length,
        sent: point?.sent ?? 0,
        received: point?.received ?? 0,
        lossPct: point?.lossPct ?? 0,
        rttP50Ms: point?.rttP50Ms ?? null,
        rttP95Ms: point?.rttP95Ms ?? null,
        rttP99Ms: point?.rttP99Ms ?? null,
        state: state?.state ?? null,
        stateSinceMs: state?.sinceMs ?? null,
        timeInStateMs: {},
        openTicketId: ticket?.ticketId ?? null,
      };
    });
  }

  async applyRetention(): Promise<{ deletedRounds: number }> {
    return { deletedRounds: 0 };
  }
  async close(): Promise<void> {}

  private roundsIn(pathId: string, sinceMs: number, untilMs: number): RoundResultRecord[] {
    return (this.byPath.get(pathId) ?? []).filter((round) => round.roundAtMs >= sinceMs && round.roundAtMs <= untilMs);
  }
}

function fold(rounds: RoundResultRecord[], atMs: number): HistoryPoint {
  const sent = rounds.reduce((sum, round) => sum + round.sent, 0);
  const received = rounds.reduce((sum, round) => sum + round.received, 0);
  const pick = (field: 'rttP50Ms' | 'rttP95Ms' | 'rttP99Ms', percentile: number) => {
    const values = rounds.map((round) => round[field]).filter((value): value is number => value !== null).sort((a, b) => a - b);
    return values.length === 0 ? null : values[Math.min(values.length, Math.max(1, Math.ceil((percentile / 100) * values.length))) - 1]!;
  };
  const mins = rounds.map((round) => round.rttMinMs).filter((value): value is number => value !== null);
  const maxes = rounds.map((round) => round.rttMaxMs).filter((value): value is number => value !== null);
  return {
    atMs,
    rounds: rounds.length,
    sent,
    received,
    lossPct: sent === 0 ? 0 : Math.round(((sent - received) / sent) * 100_000) / 1000,
    rttMinMs: mins.length ? Math.min(...mins) : null,
    rttP50Ms: pick('rttP50Ms', 50),
    rttP95Ms: pick('rttP95Ms', 95),
    rttP99Ms: pick('rttP99Ms', 99),
    rttMaxMs: maxes.length ? Math.max(...maxes) : null,
  };
}
