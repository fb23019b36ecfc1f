/**
 * Work items and who holds them. Each agent publishes the routes its own plan has (paths and cover
 * walks from its node, the targets of its groups) and, at every report, rebalances: it works out from
 * the live agents who should hold each item it could run (rendezvous.ts), lets go of items that should
 * be another's, and claims the ones that should be its own and are free, or held by an agent that is no
 * longer live (FOR UPDATE SKIP LOCKED: two agents never take the same row, and neither waits). An item
 * that should be another live agent's stays with its holder until that agent lets go at its own next
 * report, so no route is ever probed by two agents at once through a claim.
 *
 * A lease is the pair (holder, holder_session), valid while that agent's row is live with that session:
 * the heartbeat renews them all. A route nobody can run (a path from a node whose agent expired) is
 * unmonitored: no one probes it, so no one can call it DOWN.
 */
import type { SqlQueryable } from '../store/sql-client.js';
import type { ProbeKind } from './agent-identity.js';
import { LIVE_AGENT } from './agent-registry.js';
import { FleetError } from './fleet-error.js';
import { rankedAgents, type EligibleAgent, type WorkKey } from './rendezvous.js';
import { routesOfGroups, workGroups } from './work-tally.js';

export type WorkItem = WorkKey;

export interface AgentSession {
  fleet: string;
  agentId: string;
  sessionId: string;
}

/** What this agent can run: its node's paths and walks, its groups' targets. */
export interface AgentScope {
  node: string | null;
  targetGroups: readonly string[];
}

type Row = Record<string, unknown>;

const HELD_VALIDLY = (w: string): string =>
  `EXISTS (SELECT 1 FROM fleet_agents h WHERE h.fleet = ${w}.fleet AND h.agent_id = ${w}.holder AND h.session_id = ${w}.holder_session AND ${LIVE_AGENT('h')})`;

function checkItem(item: WorkItem): void {
  const ok =
    typeof item.routeId === 'string' &&
    item.routeId.length > 0 &&
    (item.kind === 'target' ? typeof item.targetGroup === 'string' && item.targetGroup.length > 0 : typeof item.sourceNode === 'string' && item.sourceNode.length > 0) &&
    ['gre', 'icmp', 'tcp', 'udp'].includes(item.probeKind);
  if (!ok) {
    throw new FleetError(
      'bad-value',
      `fleet.publishWork: work item ${JSON.stringify(item)} is not valid; expected { routeId, kind: path|walk (with sourceNode) or target (with targetGroup), probeKind: gre|icmp|tcp|udp }`,
    );
  }
}

/**
 * Publishes this agent's planned routes: new ones are added, changed or returning ones updated, and the
 * items of its scope its plan no longer has are marked gone. Rows that did not change are not written.
 * Returns how many items are in the scope now.
 */
export async function publishWork(q: SqlQueryable, who: AgentSession, scope: AgentScope, items: readonly WorkItem[]): Promise<void> {
  for (const item of items) checkItem(item);
  const json = JSON.stringify(
    items.map((i) => ({
      route_id: i.routeId,
      kind: i.kind,
      source_node: i.kind === 'target' ? null : i.sourceNode,
      target_group: i.kind === 'target' ? i.targetGroup : null,
      probe_kind: i.probeKind,
    })),
  );
  await q.query(
    `INSERT INTO fleet_work AS w (fleet, route_id, kind, source_node, target_group, probe_kind, published_by)
     SELECT $1, x.route_id, x.kind, x.source_node, x.target_group, x.probe_kind, $2
       FROM jsonb_to_recordset($3::jsonb) AS x(route_id text, kind text, source_node text, target_group text, probe_kind text)
     ON CONFLICT (fleet, route_id) DO UPDATE SET kind = excluded.kind, source_node = excluded.source_node, target_group = excluded.target_group,
       probe_kind = excluded.probe_kind, published_by = excluded.published_by, published_at = now(), gone_at = NULL,
       holder = NULL, holder_session = NULL, held_since = NULL
     WHERE w.gone_at IS NOT NULL
        OR (w.kind, w.source_node, w.target_group, w.probe_kind) IS DISTINCT FROM (excluded.kind, excluded.source_node, excluded.target_group, excluded.probe_kind)`,
    [who.fleet, who.agentId, json],
  );
  await q.query(
    `UPDATE fleet_work SET gone_at = now(), holder = NULL, holder_session = NULL, held_since = NULL
     WHERE fleet = $1 AND gone_at IS NULL AND route_id NOT IN (SELECT unnest($4::text[]))
       AND ((kind <> 'target' AND source_node = $2) OR (kind = 'target' AND target_group = ANY($3::text[])))`,
    [who.fleet, scope.node, [...scope.targetGroups], items.map((i) => i.routeId)],
  );
}

/** The live agents of a fleet as the assignment sees them. */
export async function liveAgents(q: SqlQueryable, fleet: string): Promise<EligibleAgent[]> {
  const { rows } = await q.query<Row>(`SELECT agent_id, node, target_groups, capabilities->'probeKinds' AS probe_kinds FROM fleet_agents a WHERE fleet = $1 AND ${LIVE_AGENT('a')}`, [fleet]);
  return rows.map((r) => ({
    agentId: String(r.agent_id),
    node: r.node == null ? null : String(r.node),
    targetGroups: (r.target_groups as string[] | null) ?? [],
    probeKinds: Array.isArray(r.probe_kinds) ? (r.probe_kinds as ProbeKind[]) : [],
  }));
}

export interface Rebalance {
  /** Route ids this agent holds after the pass. */
  held: string[];
  /** The kind of each held route. */
  heldKinds: Map<string, WorkItem['kind']>;
  claimed: number;
  released: number;
  /** Items that should be this agent's but another live agent still holds (it lets go at its next report). */
  waiting: number;
  /** Agents whose expiry would hand this agent work: it should report as soon as one of them expires. */
  heirOf: Set<string>;
}

/** A live work item of this agent's scope, with who holds it. */
export interface ScopeItem extends WorkKey {
  holder: string | null;
  holderSession: string | null;
}

export interface RebalancePlan {
  /** Route ids this agent should hold (it claims those that are free or held by an expired agent). */
  want: string[];
  /** Route ids it holds that should be another's. */
  release: string[];
  /** Agents preferred for items whose next-best agent is this one. */
  heirOf: Set<string>;
}

/** Decides one rebalancing pass from the scope's items and the live agents (this one among them). */
export function planRebalance(items: readonly ScopeItem[], who: AgentSession, agents: readonly EligibleAgent[]): RebalancePlan {
  const want: string[] = [];
  const release: string[] = [];
  const heirOf = new Set<string>();
  for (const item of items) {
    const [preferred, next] = rankedAgents(item, agents);
    if (preferred === who.agentId) want.push(item.routeId);
    else if (item.holder === who.agentId && item.holderSession === who.sessionId) release.push(item.routeId);
    // The preferred agent holds it, or will at its next report, whoever holds it now: if that agent
    // expires, the item is this one's.
    if (preferred !== null && preferred !== who.agentId && next === who.agentId) heirOf.add(preferred);
  }
  return { want, release, heirOf };
}

/**
 * One rebalancing pass for this agent; call right after a successful heartbeat. `agents` must include
 * this agent (it is live: it just reported).
 */
export async function rebalance(q: SqlQueryable, who: AgentSession, scope: AgentScope, agents: readonly EligibleAgent[]): Promise<Rebalance> {
  const { rows } = await q.query<Row>(
    `SELECT w.route_id, w.kind, w.source_node, w.target_group, w.probe_kind, w.holder, w.holder_session::text AS holder_session
       FROM fleet_work w
      WHERE w.fleet = $1 AND w.gone_at IS NULL
        AND ((w.kind <> 'target' AND w.source_node = $2) OR (w.kind = 'target' AND w.target_group = ANY($3::text[])))`,
    [who.fleet, scope.node, [...scope.targetGroups]],
  );
  const items = rows.map(
    (r): ScopeItem => ({
      routeId: String(r.route_id),
      kind: r.kind as WorkKey['kind'],
      sourceNode: r.source_node == null ? null : String(r.source_node),
      targetGroup: r.target_group == null ? null : String(r.target_group),
      probeKind: r.probe_kind as ProbeKind,
      holder: r.holder == null ? null : String(r.holder),
      holderSession: r.holder_session == null ? null : String(r.holder_session),
    }),
  );
  const { want, release, heirOf } = planRebalance(items, who, agents);
  let released = 0;
  if (release.length > 0) {
    released = (
      await q.query(
        `UPDATE fleet_work SET holder = NULL, holder_session = NULL, held_since = NULL
       WHERE fleet = $1 AND route_id = ANY($2::text[]) AND holder = $3 AND holder_session = $4`,
        [who.fleet, release, who.agentId, who.sessionId],
      )
    ).rowCount;
  }
  const claimed = want.length === 0 ? 0 : (await claim(q, who, want)).size;
  const { rows: heldRows } = await q.query<Row>('SELECT route_id, kind FROM fleet_work WHERE fleet = $1 AND holder = $2 AND holder_session = $3 AND gone_at IS NULL', [
    who.fleet,
    who.agentId,
    who.sessionId,
  ]);
  const heldKinds = new Map(heldRows.map((r) => [String(r.route_id), r.kind as WorkItem['kind']]));
  const held = [...heldKinds.keys()];
  return { held, heldKinds, claimed, released, waiting: want.filter((id) => !heldKinds.has(id)).length, heirOf };
}

/** Each live agent's id with what decides its share (node, groups, probe kinds): what a rebalance depends on. */
export function membership(agents: readonly EligibleAgent[]): Map<string, string> {
  return new Map(agents.map((a) => [a.agentId, `${a.node ?? ''}|${a.targetGroups.join(',')}|${a.probeKinds.join(',')}`]));
}

/** The agents that left between two memberships when nothing else changed (none joined or changed); else null. */
export function departuresOnly(before: ReadonlyMap<string, string>, now: ReadonlyMap<string, string>): string[] | null {
  if (now.size >= before.size) return null;
  for (const [id, share] of now) if (before.get(id) !== share) return null;
  return [...before.keys()].filter((id) => !now.has(id));
}

/**
 * The pass for when agents only left: rendezvous moves nothing but their items, so this agent claims,
 * of the free items of its scope and those the departed held, the ones now preferred for it. Read
 * through the holder index, it costs a few rows where a whole pass reads every item of the scope:
 * what an heir runs at the report right after an expiry. Returns the items claimed.
 */
export async function takeOver(q: SqlQueryable, who: AgentSession, scope: AgentScope, agents: readonly EligibleAgent[], departed: readonly string[]): Promise<Map<string, WorkItem['kind']>> {
  const { rows } = await q.query<Row>(
    `SELECT w.route_id, w.kind, w.source_node, w.target_group, w.probe_kind
       FROM fleet_work w
      WHERE w.fleet = $1 AND w.gone_at IS NULL AND (w.holder = ANY($4::text[]) OR w.holder IS NULL)
        AND ((w.kind <> 'target' AND w.source_node = $2) OR (w.kind = 'target' AND w.target_group = ANY($3::text[])))`,
    [who.fleet, scope.node, [...scope.targetGroups], [...departed]],
  );
  const want = rows
    .map(
      (r): WorkKey => ({
        routeId: String(r.route_id),
        kind: r.kind as WorkKey['kind'],
        sourceNode: r.source_node == null ? null : String(r.source_node),
        targetGroup: r.target_group == null ? null : String(r.target_group),
        probeKind: r.probe_kind as ProbeKind,
      }),
    )
    .filter((item) => rankedAgents(item, agents)[0] === who.agentId)
    .map((item) => item.routeId);
  return want.length === 0 ? new Map() : claim(q, who, want);
}

/** Takes the items of `want` that are free or held by an agent no longer live (never a live holder's); returns those taken. */
async function claim(q: SqlQueryable, who: AgentSession, want: readonly string[]): Promise<Map<string, WorkItem['kind']>> {
  const { rows } = await q.query<Row>(
    `UPDATE fleet_work w SET holder = $3, holder_session = $4, held_since = now()
       FROM (SELECT x.route_id FROM fleet_work x
              WHERE x.fleet = $1 AND x.route_id = ANY($2::text[]) AND x.gone_at IS NULL
                AND x.holder_session IS DISTINCT FROM $4 AND (x.holder IS NULL OR NOT ${HELD_VALIDLY('x')})
              FOR UPDATE SKIP LOCKED) c
     WHERE w.fleet = $1 AND w.route_id = c.route_id
     RETURNING w.route_id, w.kind`,
    [who.fleet, [...want], who.agentId, who.sessionId],
  );
  return new Map(rows.map((r) => [String(r.route_id), r.kind as WorkItem['kind']]));
}

export type WorkStatus = 'assigned' | 'moving' | 'unmonitored';

export interface WorkRow extends WorkItem {
  holder: string | null;
  status: WorkStatus;
}

/** Eligible live agent exists for item alias `w` (paths: one standing on its node; targets: one serving its group). */
const RUNNABLE = (w: string): string =>
  `EXISTS (SELECT 1 FROM fleet_agents e WHERE e.fleet = ${w}.fleet AND ${LIVE_AGENT('e')} AND e.capabilities->'probeKinds' ? ${w}.probe_kind
     AND ((${w}.kind = 'target' AND ${w}.target_group = ANY(e.target_groups)) OR (${w}.kind <> 'target' AND e.node = ${w}.source_node)))`;

/**
 * Every live work item with its status: assigned (a live holder), moving (free, and a live agent can take
 * it at its next report), or unmonitored (no live agent can run it: never DOWN, no ticket).
 */
export async function workStatus(q: SqlQueryable, fleet: string): Promise<WorkRow[]> {
  const { rows } = await q.query<Row>(
    `SELECT w.route_id, w.kind, w.source_node, w.target_group, w.probe_kind,
            CASE WHEN ${HELD_VALIDLY('w')} THEN w.holder END AS holder,
            CASE WHEN ${HELD_VALIDLY('w')} THEN 'assigned' WHEN ${RUNNABLE('w')} THEN 'moving' ELSE 'unmonitored' END AS status
       FROM fleet_work w WHERE w.fleet = $1 AND w.gone_at IS NULL ORDER BY w.route_id`,
    [fleet],
  );
  return rows.map((r) => ({
    routeId: String(r.route_id),
    kind: r.kind as WorkItem['kind'],
    sourceNode: r.source_node == null ? null : String(r.source_node),
    targetGroup: r.target_group == null ? null : String(r.target_group),
    probeKind: r.probe_kind as ProbeKind,
    holder: r.holder == null ? null : String(r.holder),
    status: r.status as WorkStatus,
  }));
}

/** Route ids no live agent can run now: what the leader leaves out of fleet-wide evaluation and tickets. */
export async function unmonitoredRoutes(q: SqlQueryable, fleet: string): Promise<string[]> {
  const groups = await workGroups(q, fleet);
  return routesOfGroups(
    q,
    fleet,
    groups.filter((g) => g.status === 'unmonitored'),
  );
}
