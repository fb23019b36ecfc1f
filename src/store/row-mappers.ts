/**
 * SQL rows to the records the application knows. Drivers disagree on bigint (pg: string, PGlite:
 * number) and on double precision sums, so every numeric column goes through Number() here and
 * nowhere else.
 */
import type { PathStateName } from '../monitor/path-state.js';
import type { NotificationRecord, PathRecord, TicketRecord, TopologySnapshotRecord, TransitionRecord } from './records.js';

export const num = (v: unknown): number => Number(v);
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) as T : v as T);

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
    pathId: String(r.path_id),
    ticketId: num(r.ticket_id),
    openedAtMs: num(r.opened_at_ms),
    lastState: r.last_state as PathStateName,
    resolvedAtMs: numOrNull(r.resolved_at_ms),
  };
}

export function notificationFromRow(r: Row): NotificationRecord {
  return {
    atMs: num(r.at_ms),
    channel: r.channel as NotificationRecord['channel'],
    pathIds: json<string[]>(r.path_ids),
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
