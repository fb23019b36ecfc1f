/**
 * The fleet's routes by status, read from the counts kept as work is written (migration 9's
 * fleet_work_tally) instead of from the routes themselves: a hundred thousand routes are a few hundred
 * groups (scope, probe kind, holder), and only those groups meet the live agents, so what the agents
 * page, `pathmon agents` and /metrics read costs the same at any number of routes. The ids of routes
 * are read only for the groups that need them (unmonitored ones), through the node and group indexes.
 */
import type { SqlQueryable } from '../store/sql-client.js';
import { LIVE_AGENT } from './agent-registry.js';
import type { WorkStatus } from './work-assignment.js';

/** Routes sharing what decides their status, with that status now. */
export interface WorkGroup {
  fleet: string;
  isTarget: boolean;
  /** Source node (paths, walks) or target group (targets). */
  scope: string;
  probeKind: string;
  holder: string | null;
  holderSession: string | null;
  routes: number;
  status: WorkStatus;
}

type Row = Record<string, unknown>;

/** Every group of live routes of `fleet` (or of every fleet), with its status by the server's clock. */
export async function workGroups(q: SqlQueryable, fleet: string | null): Promise<WorkGroup[]> {
  const { rows } = await q.query<Row>(
    `WITH live AS (SELECT fleet, agent_id, session_id, node, target_groups, capabilities->'probeKinds' AS kinds FROM fleet_agents a
                    WHERE ($1::text IS NULL OR fleet = $1) AND ${LIVE_AGENT('a')}),
          g AS (SELECT fleet, is_target, scope, probe_kind, holder, holder_session, sum(routes) AS n FROM fleet_work_tally
                 WHERE ($1::text IS NULL OR fleet = $1)
                 GROUP BY fleet, is_target, scope, probe_kind, holder, holder_session HAVING sum(routes) <> 0)
     SELECT g.fleet, g.is_target, g.scope, g.probe_kind, g.holder, g.holder_session::text AS holder_session, g.n, CASE
              WHEN EXISTS (SELECT 1 FROM live l WHERE l.fleet = g.fleet AND l.agent_id = g.holder AND l.session_id = g.holder_session) THEN 'assigned'
              WHEN EXISTS (SELECT 1 FROM live l WHERE l.fleet = g.fleet AND l.kinds ? g.probe_kind
                             AND ((g.is_target AND g.scope = ANY(l.target_groups)) OR (NOT g.is_target AND l.node = g.scope))) THEN 'moving'
              ELSE 'unmonitored' END AS status
       FROM g`,
    [fleet],
  );
  return rows.map((r) => ({
    fleet: String(r.fleet),
    isTarget: r.is_target === true,
    scope: String(r.scope),
    probeKind: String(r.probe_kind),
    holder: r.holder == null ? null : String(r.holder),
    holderSession: r.holder_session == null ? null : String(r.holder_session),
    routes: Number(r.n),
    status: r.status as WorkStatus,
  }));
}

/** The ids of the live routes of `groups` (all of one fleet), in id order, at most `limit` when given. */
export async function routesOfGroups(q: SqlQueryable, fleet: string, groups: readonly WorkGroup[], limit: number | null = null): Promise<string[]> {
  if (groups.length === 0 || limit === 0) return [];
  const json = JSON.stringify(groups.map((g) => ({ is_target: g.isTarget, scope: g.scope, probe_kind: g.probeKind, holder: g.holder, holder_session: g.holderSession })));
  // Targets and paths apart, so each half is an index lookup by group or by node.
  const { rows } = await q.query<Row>(
    `WITH u AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS u(is_target boolean, scope text, probe_kind text, holder text, holder_session uuid))
     SELECT route_id FROM (
       SELECT w.route_id FROM u JOIN fleet_work w ON w.fleet = $1 AND w.gone_at IS NULL AND w.kind = 'target' AND w.target_group = u.scope
        WHERE u.is_target AND w.probe_kind = u.probe_kind AND w.holder IS NOT DISTINCT FROM u.holder AND w.holder_session IS NOT DISTINCT FROM u.holder_session
       UNION ALL
       SELECT w.route_id FROM u JOIN fleet_work w ON w.fleet = $1 AND w.gone_at IS NULL AND w.kind <> 'target' AND w.source_node = u.scope
        WHERE NOT u.is_target AND w.probe_kind = u.probe_kind AND w.holder IS NOT DISTINCT FROM u.holder AND w.holder_session IS NOT DISTINCT FROM u.holder_session
     ) AS r ORDER BY route_id LIMIT $3`,
    [fleet, json, limit],
  );
  return rows.map((r) => String(r.route_id));
}

/**
 * Merges the rows appended to a fleet's tally since the last merge (the leader calls it at each
 * report; with nothing appended it only looks). Returns the groups kept, 0 when nothing was appended.
 */
export async function compactWorkTally(q: SqlQueryable, fleet: string): Promise<number> {
  const { rows } = await q.query<Row>('SELECT fleet_work_tally_compact($1) AS kept', [fleet]);
  return Number(rows[0]?.kept ?? 0);
}
