/**
 * SQL rows to the records the application knows. Drivers disagree on bigint (pg: string, PGlite:
 * number) and on double precision sums, so every numeric column goes through Number() here and
 * nowhere else.
 */
import type { PathStateName } from './path-states.js';
import type { IncidentChange, IncidentRecord } from '../incidents/incident.js';
import type { LinkEstimateRecord, NotificationRecord, OutboxItem, PathRecord, RoundResultRecord, TicketRecord, TopologySnapshotRecord, TransitionRecord, WalkRecord } from './records.js';

export const num = (v: unknown): number => Number(v);
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

export type Row = Record<string, unknown>;

export function pathFromRow(r: Row): PathRecord {
  return {
    id: String(r.id),
    group: String(r.grp),
    fromNode: String(r.from_node),
    toNode: String(r.to_node),
    names: json<string[]>(r.names),
    hops: json<string[]>(r.hops),
    hopNames: json<string[]>(r.hop_names),
    linkKeys: json<string[]>(r.link_keys),
    firstSeenMs: num(r.first_seen_ms),
    goneAtMs: numOrNull(r.gone_at_ms),
  };
}

export function transitionFromRow(r: Row): TransitionRecord {
  return {
    pathId: String(r.path_id),
    atMs: num(r.at_ms),
    from: (r.from_state ?? null) as PathStateName | null,
    to: r.to_state as PathStateName,
    reason: String(r.reason),
    evidence: json<TransitionRecord['evidence']>(r.evidence),
  };
}

export function ticketFromRow(r: Row): TicketRecord {
  return {
    subjectKey: String(r.subject_key),
    incidentId: String(r.incident_id),
    ticketId: num(r.ticket_id),
    openedAtMs: num(r.opened_at_ms),
    lastState: String(r.last_state),
    resolvedAtMs: numOrNull(r.resolved_at_ms),
    // Only present when true, so tickets pathmon keeps look as they always did.
    ...(bool(r.closed_by_person) ? { closedByPerson: true } : {}),
  };
}

const bool = (v: unknown): boolean => v === true || v === 't' || v === 'true';

export function outboxFromRow(r: Row): OutboxItem {
  return {
    id: num(r.id),
    channel: r.channel as OutboxItem['channel'],
    subjectKey: String(r.subject_key),
    incidentId: String(r.incident_id),
    change: json<IncidentChange>(r.change),
    createdAtMs: num(r.created_at_ms),
    attempts: num(r.attempts),
    nextAttemptAtMs: num(r.next_attempt_at_ms),
    state: r.state as OutboxItem['state'],
    lastError: r.last_error === null || r.last_error === undefined ? null : String(r.last_error),
    deliveredAtMs: numOrNull(r.delivered_at_ms),
    detail: r.detail === null || r.detail === undefined ? null : String(r.detail),
  };
}

export function walkFromRow(r: Row): WalkRecord {
  return {
    id: String(r.id),
    names: json<string[]>(r.names),
    linkKeys: json<string[]>(r.link_keys),
    firstSeenMs: num(r.first_seen_ms),
    goneAtMs: numOrNull(r.gone_at_ms),
  };
}

/** The incident as the application wrote it: the record column holds it whole. */
export function incidentFromRow(r: Row): IncidentRecord {
  return json<IncidentRecord>(r.record);
}

export function incidentChangeFromRow(r: Row): IncidentChange {
  return {
    change: r.change as IncidentChange['change'],
    incident: json<IncidentRecord>(r.record),
    previous: r.previous === null || r.previous === undefined ? null : json<IncidentRecord>(r.previous),
    reason: String(r.reason),
  };
}

export function linkEstimateFromRow(r: Row): LinkEstimateRecord {
  return {
    subjectKey: String(r.subject_key),
    atMs: num(r.at_ms),
    lossRatio: num(r.loss_ratio),
    addedDelayMs: num(r.added_delay_ms),
    down: bool(r.down),
    confidence: num(r.confidence),
    support: num(r.support),
  };
}

export function roundResultFromRow(r: Row): RoundResultRecord {
  return {
    pathId: String(r.path_id),
    roundAtMs: num(r.round_at_ms),
    sent: num(r.sent),
    received: num(r.received),
    lossPct: num(r.loss_pct),
    rttMinMs: numOrNull(r.rtt_min_ms),
    rttAvgMs: numOrNull(r.rtt_avg_ms),
    rttMaxMs: numOrNull(r.rtt_max_ms),
    rttP50Ms: numOrNull(r.rtt_p50_ms),
    rttP95Ms: numOrNull(r.rtt_p95_ms),
    rttP99Ms: numOrNull(r.rtt_p99_ms),
    jitterMs: numOrNull(r.jitter_ms),
  };
}

export function notificationFromRow(r: Row): NotificationRecord {
  return {
    atMs: num(r.at_ms),
    channel: r.channel as NotificationRecord['channel'],
    subjectKeys: json<string[]>(r.subject_keys),
    status: r.status as NotificationRecord['status'],
    detail: String(r.detail),
  };
}

export function snapshotFromRow(r: Row): TopologySnapshotRecord {
  return {
    atMs: num(r.at_ms),
    source: String(r.source),
    nodeCount: num(r.node_count),
    linkCount: num(r.link_count),
    graph: json<unknown>(r.graph),
  };
}
