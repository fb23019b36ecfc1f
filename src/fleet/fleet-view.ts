/**
 * The fleet as its views show it (`pathmon agents`, the agents page, /metrics): every agent with its
 * status by the server's clock, the leases, and how many routes are assigned, moving or unmonitored.
 * Three statements, each served by an index, so the page stays fast at a hundred agents and a hundred
 * thousand routes.
 */
import type { SqlQueryable } from '../store/sql-client.js';
import { listAgents, LIVE_AGENT, type AgentRow } from './agent-registry.js';
import { leases, type LeaseRow } from './fleet-lease.js';

export interface FleetView {
  agents: AgentRow[];
  leases: LeaseRow[];
  /** Per fleet: routes by status, and the ids of unmonitored ones (at most `unmonitoredLimit`). */
  work: { fleet: string; assigned: number; moving: number; unmonitored: number; unmonitoredIds: string[] }[];
}

export async function fleetView(q: SqlQueryable, fleet: string | null = null, unmonitoredLimit = 100): Promise<FleetView> {
  // Each agent's held routes come from the same grouping as the counts: one pass over the routes.
  const [agents, leaseRows, { work, held }] = await Promise.all([listAgents(q, fleet, false), leases(q, fleet), workCounts(q, fleet, unmonitoredLimit)]);
  for (const agent of agents) agent.heldWork = agent.status === 'up' ? (held.get(`${agent.fleet}\0${agent.agentId}`) ?? 0) : 0;
  return { agents, leases: leaseRows, work };
}

async function workCounts(q: SqlQueryable, fleet: string | null, limit: number): Promise<{ work: FleetView['work']; held: Map<string, number> }> {
  // Routes are grouped by what decides their status (holder and session, node or group, probe kind)
  // first: a hundred thousand routes become a few hundred groups, and only those meet the live agents.
  const { rows } = await q.query<Record<string, unknown>>(
    `WITH live AS (SELECT fleet, agent_id, session_id, node, target_groups, capabilities->'probeKinds' AS kinds FROM fleet_agents a
                    WHERE ($1::text IS NULL OR fleet = $1) AND ${LIVE_AGENT('a')}),
          g AS (SELECT fleet, kind = 'target' AS is_target, source_node, target_group, probe_kind, holder, holder_session, count(*) AS n
                  FROM fleet_work WHERE ($1::text IS NULL OR fleet = $1) AND gone_at IS NULL
                 GROUP BY fleet, kind = 'target', source_node, target_group, probe_kind, holder, holder_session),
          s AS (SELECT g.*, CASE
                   WHEN EXISTS (SELECT 1 FROM live l WHERE l.fleet = g.fleet AND l.agent_id = g.holder AND l.session_id = g.holder_session) THEN 'assigned'
                   WHEN EXISTS (SELECT 1 FROM live l WHERE l.fleet = g.fleet AND l.kinds ? g.probe_kind
                                  AND ((g.is_target AND g.target_group = ANY(l.target_groups)) OR (NOT g.is_target AND l.node = g.source_node))) THEN 'moving'
                   ELSE 'unmonitored' END AS status FROM g)
     SELECT fleet, status, is_target, source_node, target_group, probe_kind, holder, holder_session::text AS holder_session, n FROM s`,
    [fleet],
  );
  const byFleet = new Map<string, FleetView['work'][number]>();
  const unmonitoredGroups: Record<string, unknown>[] = [];
  const held = new Map<string, number>();
  for (const r of rows) {
    if (r.status === 'assigned') held.set(`${String(r.fleet)}\0${String(r.holder)}`, (held.get(`${String(r.fleet)}\0${String(r.holder)}`) ?? 0) + Number(r.n));
    const name = String(r.fleet);
    const entry = byFleet.get(name) ?? { fleet: name, assigned: 0, moving: 0, unmonitored: 0, unmonitoredIds: [] };
    byFleet.set(name, entry);
    entry[r.status as 'assigned' | 'moving' | 'unmonitored'] += Number(r.n);
    if (r.status === 'unmonitored') unmonitoredGroups.push(r);
  }
  // The ids of unmonitored routes, a page at most per fleet, read through the node and group indexes.
  for (const entry of byFleet.values()) {
    const groups = unmonitoredGroups.filter((r) => r.fleet === entry.fleet);
    if (limit === 0 || groups.length === 0) continue;
    const { rows: ids } = await q.query<Record<string, unknown>>(
      `SELECT w.route_id FROM fleet_work w
         JOIN jsonb_to_recordset($2::jsonb) AS u(is_target boolean, source_node text, target_group text, probe_kind text, holder text, holder_session text)
           ON (w.kind = 'target') = u.is_target AND w.source_node IS NOT DISTINCT FROM u.source_node AND w.target_group IS NOT DISTINCT FROM u.target_group
          AND w.probe_kind = u.probe_kind AND w.holder IS NOT DISTINCT FROM u.holder AND w.holder_session::text IS NOT DISTINCT FROM u.holder_session
        WHERE w.fleet = $1 AND w.gone_at IS NULL ORDER BY w.route_id LIMIT $3`,
      [
        entry.fleet,
        JSON.stringify(
          groups.map((r) => ({ is_target: r.is_target, source_node: r.source_node, target_group: r.target_group, probe_kind: r.probe_kind, holder: r.holder, holder_session: r.holder_session })),
        ),
        limit,
      ],
    );
    entry.unmonitoredIds = ids.map((r) => String(r.route_id));
  }
  return { work: [...byFleet.values()].sort((a, b) => a.fleet.localeCompare(b.fleet)), held };
}
