/**
 * An in-memory Store for the web, monitor and notifier tests: the same contract (paths, walks,
 * incidents, link estimates, tickets keyed by incident subject, the notification outbox with the same
 * per-subject ordering rule), plain arrays, the same rollup idea (rounds folded into at most maxPoints buckets) so the chart
 * sees what it will see from the database. Not for production: no persistence, no retention.
 */
import type { IncidentChange, IncidentRecord } from '../../src/incidents/incident.js';
import type { PathStateName } from '../../src/monitor/path-state.js';
import type {
  LinkEstimateRecord,
  NotificationRecord,
  OutboxEntry,
  OutboxFilter,
  OutboxItem,
  OutboxResult,
  OutboxWrite,
  PathRecord,
  RoundResultRecord,
  TicketRecord,
  TopologySnapshotRecord,
  TransitionRecord,
  WalkRecord,
} from '../../src/store/records.js';
import type { HistoryPoint, PathSummary, Store } from '../../src/store/store.js';

export class MemoryStore implements Store {
  readonly description = 'memory:test';
  readonly pathRecords = new Map<string, PathRecord>();
  readonly results: RoundResultRecord[] = [];
  readonly transitionRecords: TransitionRecord[] = [];
  readonly tickets: TicketRecord[] = [];
  readonly notifications: NotificationRecord[] = [];
  readonly snapshots: TopologySnapshotRecord[] = [];
  readonly walkRecords = new Map<string, WalkRecord>();
  readonly incidentRecords = new Map<string, IncidentRecord>();
  readonly changes: IncidentChange[] = [];
  readonly estimates = new Map<string, LinkEstimateRecord>();
  readonly outbox: OutboxItem[] = [];
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
  async addTransitions(transitions: readonly TransitionRecord[]): Promise<void> {
    for (const transition of transitions) await this.addTransition(transition);
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
  async openTicket(subjectKey: string): Promise<TicketRecord | null> {
    return this.tickets.find((t) => t.subjectKey === subjectKey && t.resolvedAtMs === null) ?? null;
  }
  async saveTicket(ticket: TicketRecord): Promise<void> {
    const clash = this.tickets.find((t) => t.subjectKey === ticket.subjectKey && t.resolvedAtMs === null && t.ticketId !== ticket.ticketId);
    if (clash && ticket.resolvedAtMs === null) throw new Error(`memoryStore.saveTicket: subject ${ticket.subjectKey} already has open ticket ${clash.ticketId}`);
    const index = this.tickets.findIndex((t) => t.ticketId === ticket.ticketId);
    if (index >= 0) this.tickets[index] = ticket;
    else this.tickets.push(ticket);
  }
  async openTickets(): Promise<TicketRecord[]> {
    return this.tickets.filter((t) => t.resolvedAtMs === null);
  }
  async lastTicket(subjectKey: string): Promise<TicketRecord | null> {
    const mine = this.tickets.filter((t) => t.subjectKey === subjectKey);
    const open = mine.find((t) => t.resolvedAtMs === null);
    if (open) return { ...open };
    const last = [...mine].sort((a, b) => b.openedAtMs - a.openedAtMs || b.ticketId - a.ticketId)[0];
    return last ? { ...last } : null;
  }
  async addNotification(notification: NotificationRecord): Promise<void> {
    this.notifications.push(notification);
  }
  async addTopologySnapshot(snapshot: TopologySnapshotRecord): Promise<void> {
    this.snapshots.push(snapshot);
  }

  async upsertWalks(walks: WalkRecord[]): Promise<void> {
    for (const walk of walks) {
      const before = this.walkRecords.get(walk.id);
      this.walkRecords.set(walk.id, { ...walk, firstSeenMs: Math.min(walk.firstSeenMs, before?.firstSeenMs ?? Infinity) });
    }
  }
  async markWalksGone(walkIds: string[], atMs: number): Promise<void> {
    for (const id of walkIds) {
      const walk = this.walkRecords.get(id);
      if (walk && walk.goneAtMs === null) walk.goneAtMs = atMs;
    }
  }
  async walks(): Promise<WalkRecord[]> {
    return [...this.walkRecords.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async recordIncidentChange(change: IncidentChange, outbox?: OutboxWrite): Promise<void> {
    const { incident } = change;
    if (incident.state === 'open') {
      const clash = [...this.incidentRecords.values()].find((i) => i.subjectKey === incident.subjectKey && i.state === 'open' && i.id !== incident.id);
      if (clash) throw new Error(`memoryStore.recordIncidentChange: subject ${incident.subjectKey} already has open incident ${clash.id}`);
    }
    this.incidentRecords.set(incident.id, structuredClone(incident));
    this.changes.push(structuredClone(change));
    if (outbox) await this.enqueueOutbox(outbox.channels.map((channel) => ({ channel, change, atMs: outbox.atMs })));
  }

  async enqueueOutbox(entries: OutboxEntry[]): Promise<void> {
    for (const entry of entries) {
      this.outbox.push({
        id: this.outbox.length + 1,
        channel: entry.channel,
        subjectKey: entry.change.incident.subjectKey,
        incidentId: entry.change.incident.id,
        change: structuredClone(entry.change),
        createdAtMs: entry.atMs,
        attempts: 0,
        nextAttemptAtMs: entry.atMs,
        state: 'pending',
        lastError: null,
        deliveredAtMs: null,
        detail: null,
      });
    }
  }
  async pendingOutbox(nowMs: number, limit: number): Promise<OutboxItem[]> {
    const pending = this.outbox.filter((o) => o.state === 'pending');
    const headDue = new Map<string, number>();
    for (const o of pending) if (!headDue.has(`${o.channel}\n${o.subjectKey}`)) headDue.set(`${o.channel}\n${o.subjectKey}`, o.nextAttemptAtMs);
    return pending
      .filter((o) => headDue.get(`${o.channel}\n${o.subjectKey}`)! <= nowMs)
      .slice(0, limit)
      .map((o) => structuredClone(o));
  }
  async markOutbox(id: number, result: OutboxResult): Promise<boolean> {
    const row = this.outbox.find((o) => o.id === id);
    if (!row || row.state !== 'pending') return false;
    row.attempts += 1;
    row.state = result.state;
    if (result.state === 'pending') row.nextAttemptAtMs = result.nextAttemptAtMs;
    if (result.state === 'pending' || result.state === 'failed') row.lastError = result.error;
    row.deliveredAtMs = result.state === 'delivered' ? result.atMs : null;
    if (result.state === 'delivered' || result.state === 'superseded') row.detail = result.detail;
    return true;
  }
  async outboxItems(filter: OutboxFilter): Promise<OutboxItem[]> {
    return this.outbox
      .filter(
        (o) =>
          (filter.channel === undefined || o.channel === filter.channel) &&
          (filter.state === undefined || o.state === filter.state) &&
          (filter.incidentId === undefined || o.incidentId === filter.incidentId) &&
          (filter.subjectKey === undefined || o.subjectKey === filter.subjectKey),
      )
      .slice(0, filter.limit ?? Infinity)
      .map((o) => structuredClone(o));
  }
  async openIncidents(): Promise<IncidentRecord[]> {
    return [...this.incidentRecords.values()]
      .filter((i) => i.state === 'open')
      .sort((a, b) => a.openedAtMs - b.openedAtMs)
      .map((i) => structuredClone(i));
  }
  async incidents(sinceMs: number, untilMs: number): Promise<IncidentRecord[]> {
    return [...this.incidentRecords.values()]
      .filter((i) => i.openedAtMs < untilMs && (i.resolvedAtMs === null || i.resolvedAtMs >= sinceMs))
      .sort((a, b) => b.openedAtMs - a.openedAtMs || (a.id < b.id ? 1 : -1))
      .map((i) => structuredClone(i));
  }
  async incident(id: string): Promise<IncidentRecord | null> {
    const found = this.incidentRecords.get(id);
    return found ? structuredClone(found) : null;
  }
  async incidentChanges(id: string): Promise<IncidentChange[]> {
    return this.changes.filter((c) => c.incident.id === id).map((c) => structuredClone(c));
  }

  async insertLinkEstimates(rows: LinkEstimateRecord[]): Promise<void> {
    for (const row of rows) this.estimates.set(`${row.subjectKey}\n${row.atMs}`, { ...row });
  }
  /** Same rule as the SQL store: rows as they are when they fit, else equal buckets keeping the worst. */
  async linkHistory(subjectKey: string, sinceMs: number, untilMs: number, maxPoints = 500): Promise<LinkEstimateRecord[]> {
    const rows = [...this.estimates.values()].filter((r) => r.subjectKey === subjectKey && r.atMs >= sinceMs && r.atMs < untilMs).sort((a, b) => a.atMs - b.atMs);
    const points = Math.max(1, Math.floor(maxPoints));
    if (rows.length <= points) return rows.map((r) => ({ ...r }));
    const widthMs = Math.max(1, Math.ceil((untilMs - sinceMs) / points));
    const buckets = new Map<number, LinkEstimateRecord>();
    for (const r of rows) {
      const key = Math.floor((r.atMs - sinceMs) / widthMs);
      const b = buckets.get(key);
      if (!b) buckets.set(key, { ...r });
      else {
        b.lossRatio = Math.max(b.lossRatio, r.lossRatio);
        b.addedDelayMs = Math.max(b.addedDelayMs, r.addedDelayMs);
        b.down ||= r.down;
        b.confidence = Math.max(b.confidence, r.confidence);
        b.support = Math.max(b.support, r.support);
      }
    }
    return [...buckets.values()];
  }
  async routeResults(sinceMs: number, untilMs: number): Promise<RoundResultRecord[]> {
    return this.results.filter((r) => r.roundAtMs >= sinceMs && r.roundAtMs < untilMs).sort((a, b) => a.roundAtMs - b.roundAtMs || (a.pathId < b.pathId ? -1 : a.pathId > b.pathId ? 1 : 0));
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
      const ticket = this.tickets.find((t) => t.subjectKey === `path:${path.id}` && t.resolvedAtMs === null);
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
    const values = rounds
      .map((round) => round[field])
      .filter((value): value is number => value !== null)
      .sort((a, b) => a - b);
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
