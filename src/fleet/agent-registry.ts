/**
 * The agents table's statements: register (refusing a second live holder of an id, a role that does
 * not own the row, and a pathmon older than the schema), heartbeat, clean stop, and the listing views
 * read. "Live" is decided by the server's clock in one SQL expression (LIVE_AGENT) shared by every
 * query, so agent clocks never matter and every reader agrees.
 */
import type { SqlQueryable } from '../store/sql-client.js';
import type { AgentCapabilities, AgentInterface, ProbeKind } from './agent-identity.js';
import { FleetError } from './fleet-error.js';
import type { EligibleAgent } from './rendezvous.js';

/** An agent row is live: not stopped, and heard from within its own hold time of the server's now(). */
export const LIVE_AGENT = (alias: string): string => `(${alias}.stopped_at IS NULL AND ${alias}.last_seen + ${alias}.hold_time_ms * interval '1 millisecond' > now())`;

export interface AgentRegistration {
  fleet: string;
  agentId: string;
  sessionId: string;
  hostname: string;
  node: string | null;
  interfaces: AgentInterface[];
  capabilities: AgentCapabilities;
  targetGroups: string[];
  version: string;
  /** The newest migration this pathmon knows. */
  schemaVersion: number;
  holdTimeMs: number;
  reportIntervalMs: number;
}

export type AgentStatus = 'up' | 'expired' | 'stopped';

export interface AgentRow {
  fleet: string;
  agentId: string;
  hostname: string;
  node: string | null;
  dbRole: string;
  interfaces: AgentInterface[];
  capabilities: AgentCapabilities;
  targetGroups: string[];
  version: string;
  schemaVersion: number;
  holdTimeMs: number;
  reportIntervalMs: number;
  clockSkewMs: number;
  firstSeenMs: number;
  lastSeenMs: number;
  registeredAtMs: number;
  stoppedAtMs: number | null;
  status: AgentStatus;
  /** How long ago, by the server's clock, the agent last reported. */
  silentForMs: number;
  /** Work items it holds now (validly: with its current session). */
  heldWork: number;
}

/** Server time in ms and the agent's offset from it, from one round trip (midpoint of the agent's clock). */
export interface ClockReading {
  serverMs: number;
  skewMs: number;
}

type Row = Record<string, unknown>;
const ms = (value: unknown): number => (value instanceof Date ? value.getTime() : Number(value));

/** The highest migration applied to this schema. */
export async function databaseSchemaVersion(q: SqlQueryable): Promise<number> {
  const { rows } = await q.query<Row>('SELECT max(version) AS v FROM schema_migrations');
  return rows[0]?.v == null ? 0 : Number(rows[0].v);
}

/**
 * Registers (or re-registers) this agent and returns the server's clock reading. A restarted agent
 * whose previous registration expired or stopped takes its id back, keeping its first-seen time.
 * @throws FleetError 'schema-too-old', 'duplicate-agent' or 'wrong-role'.
 */
export async function registerAgent(q: SqlQueryable, reg: AgentRegistration, agentNowMs: () => number): Promise<ClockReading> {
  const dbVersion = await databaseSchemaVersion(q);
  if (dbVersion > reg.schemaVersion) {
    throw new FleetError(
      'schema-too-old',
      `fleet.registerAgent: agent ${reg.agentId} (pathmon ${reg.version}) knows schema version ${reg.schemaVersion}, but the database has version ${dbVersion}; ` +
        'expected an agent at least as new as the database: upgrade pathmon on this host before it joins the fleet',
    );
  }
  const sentMs = agentNowMs();
  let rows: Row[];
  try {
    ({ rows } = await q.query<Row>(
      `INSERT INTO fleet_agents AS a (fleet, agent_id, session_id, hostname, node, interfaces, capabilities, target_groups, version,
         schema_version, hold_time_ms, report_interval_ms)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8::text[], $9, $10, $11, $12)
       ON CONFLICT (fleet, agent_id) DO UPDATE SET session_id = excluded.session_id, hostname = excluded.hostname, node = excluded.node,
         interfaces = excluded.interfaces, capabilities = excluded.capabilities, target_groups = excluded.target_groups,
         version = excluded.version, schema_version = excluded.schema_version, hold_time_ms = excluded.hold_time_ms,
         report_interval_ms = excluded.report_interval_ms, registered_at = now(), last_seen = now(), stopped_at = NULL
       WHERE NOT ${LIVE_AGENT('a')} OR a.session_id = excluded.session_id
       RETURNING extract(epoch FROM now()) * 1000 AS server_ms`,
      [
        reg.fleet,
        reg.agentId,
        reg.sessionId,
        reg.hostname,
        reg.node,
        JSON.stringify(reg.interfaces),
        JSON.stringify(reg.capabilities),
        reg.targetGroups,
        reg.version,
        reg.schemaVersion,
        reg.holdTimeMs,
        reg.reportIntervalMs,
      ],
    ));
  } catch (error) {
    if ((error as { code?: string }).code === '42501') {
      const owner = await agentOwner(q, reg.fleet, reg.agentId);
      throw new FleetError(
        'wrong-role',
        `fleet.registerAgent: agent id ${reg.agentId} in fleet ${reg.fleet} belongs to database role ${owner ?? '(unknown)'}, not to this login; ` +
          'expected each agent to log in as the role that registered its id (or an administrator to remove the old row)',
      );
    }
    throw error;
  }
  const receivedMs = agentNowMs();
  if (rows.length === 0) {
    const { rows: held } = await q.query<Row>(`SELECT hostname, extract(epoch FROM now() - last_seen) * 1000 AS silent_ms, hold_time_ms FROM fleet_agents WHERE fleet = $1 AND agent_id = $2`, [
      reg.fleet,
      reg.agentId,
    ]);
    const other = held[0];
    throw new FleetError(
      'duplicate-agent',
      `fleet.registerAgent: agent id ${reg.agentId} in fleet ${reg.fleet} is held by a live agent on host ${String(other?.hostname ?? '?')} ` +
        `(heard from ${Math.round(ms(other?.silent_ms ?? 0))} ms ago, hold time ${String(other?.hold_time_ms ?? '?')} ms); ` +
        'expected a unique id per agent: stop the other process, wait for its hold time, or set fleet.agentId',
    );
  }
  return clockReading(ms(rows[0]!.server_ms), sentMs, receivedMs);
}

async function agentOwner(q: SqlQueryable, fleet: string, agentId: string): Promise<string | null> {
  const { rows } = await q.query<Row>('SELECT db_role FROM fleet_agents WHERE fleet = $1 AND agent_id = $2', [fleet, agentId]);
  return rows[0] ? String(rows[0].db_role) : null;
}

function clockReading(serverMs: number, sentMs: number, receivedMs: number): ClockReading {
  return { serverMs, skewMs: (sentMs + receivedMs) / 2 - serverMs };
}

/**
 * One report: last_seen moves to the server's now(), which renews every lease the agent holds.
 * Returns null when the row no longer carries this session: another process took the id over after
 * this one went silent past its hold time.
 */
export async function heartbeat(
  q: SqlQueryable,
  who: { fleet: string; agentId: string; sessionId: string },
  previousSkewMs: number,
  capabilities: AgentCapabilities | null,
  agentNowMs: () => number,
): Promise<ClockReading | null> {
  const sentMs = agentNowMs();
  const { rows } = await q.query<Row>(
    `UPDATE fleet_agents SET last_seen = now(), clock_skew_ms = $4, capabilities = COALESCE($5::jsonb, capabilities)
     WHERE fleet = $1 AND agent_id = $2 AND session_id = $3 AND stopped_at IS NULL
     RETURNING extract(epoch FROM now()) * 1000 AS server_ms`,
    [who.fleet, who.agentId, who.sessionId, previousSkewMs, capabilities === null ? null : JSON.stringify(capabilities)],
  );
  const receivedMs = agentNowMs();
  return rows[0] ? clockReading(ms(rows[0].server_ms), sentMs, receivedMs) : null;
}

/** A live agent as this agent's report sees it: who may hold what, and how long until it expires. */
export interface ReportedAgent extends EligibleAgent {
  /** Until the server would call it expired (its hold time for the reporting agent itself). */
  expiresInMs: number;
}

/** What one report learns in its single round trip. */
export interface ReportReading {
  clock: ClockReading;
  /** The live agents of the fleet, this one first. */
  agents: ReportedAgent[];
  /** The lease `leaseName` is free, expired or this session's: worth a try; false while another live holder has it. */
  leaseOpen: boolean;
}

/**
 * One report in one statement: the heartbeat (as heartbeat()), the fleet's live agents with the time
 * each has left, and whether the leader lease is worth trying. Agents that hear from the others at
 * every report notice an expiry from these times, without a query of their own. Null when the row no
 * longer carries this session (as heartbeat()).
 */
export async function reportIn(
  q: SqlQueryable,
  who: { fleet: string; agentId: string; sessionId: string },
  previousSkewMs: number,
  capabilities: AgentCapabilities | null,
  leaseName: string,
  agentNowMs: () => number,
): Promise<ReportReading | null> {
  const sentMs = agentNowMs();
  const { rows } = await q.query<Row>(
    `WITH me AS (
       UPDATE fleet_agents SET last_seen = now(), clock_skew_ms = $4, capabilities = COALESCE($5::jsonb, capabilities)
        WHERE fleet = $1 AND agent_id = $2 AND session_id = $3 AND stopped_at IS NULL
       RETURNING agent_id, node, target_groups, capabilities->'probeKinds' AS probe_kinds, hold_time_ms::double precision AS expires_in_ms)
     SELECT agent_id, node, target_groups, probe_kinds, expires_in_ms, true AS self, extract(epoch FROM now()) * 1000 AS server_ms,
            (SELECT l.holder_session = $3 OR l.expires_at <= now() FROM fleet_leases l WHERE l.fleet = $1 AND l.name = $6) AS lease_open
       FROM me
     UNION ALL
     SELECT a.agent_id, a.node, a.target_groups, a.capabilities->'probeKinds', extract(epoch FROM a.last_seen + a.hold_time_ms * interval '1 millisecond' - now()) * 1000,
            false, NULL, NULL
       FROM fleet_agents a WHERE a.fleet = $1 AND a.agent_id <> $2 AND ${LIVE_AGENT('a')} AND EXISTS (SELECT 1 FROM me)`,
    [who.fleet, who.agentId, who.sessionId, previousSkewMs, capabilities === null ? null : JSON.stringify(capabilities), leaseName],
  );
  const receivedMs = agentNowMs();
  const self = rows.find((r) => r.self === true);
  if (!self) return null;
  const agents = [self, ...rows.filter((r) => r !== self)].map((r) => ({
    agentId: String(r.agent_id),
    node: r.node == null ? null : String(r.node),
    targetGroups: (r.target_groups as string[] | null) ?? [],
    probeKinds: Array.isArray(r.probe_kinds) ? (r.probe_kinds as ProbeKind[]) : [],
    expiresInMs: Number(r.expires_in_ms),
  }));
  return { clock: clockReading(ms(self.server_ms), sentMs, receivedMs), agents, leaseOpen: self.lease_open !== false };
}

/** A clean stop: the agent is listed as stopped and its work moves at the others' next report. */
export async function stopAgent(q: SqlQueryable, who: { fleet: string; agentId: string; sessionId: string }): Promise<void> {
  await q.query('UPDATE fleet_work SET holder = NULL, holder_session = NULL, held_since = NULL WHERE fleet = $1 AND holder = $2 AND holder_session = $3', [who.fleet, who.agentId, who.sessionId]);
  await q.query(`UPDATE fleet_leases SET expires_at = now() WHERE fleet = $1 AND holder = $2 AND holder_session = $3`, [who.fleet, who.agentId, who.sessionId]);
  await q.query('UPDATE fleet_agents SET stopped_at = now() WHERE fleet = $1 AND agent_id = $2 AND session_id = $3', [who.fleet, who.agentId, who.sessionId]);
}

/** Every agent of a fleet (or of every fleet), with its status by the server's clock. */
export async function listAgents(q: SqlQueryable, fleet: string | null = null, countHeldWork = true): Promise<AgentRow[]> {
  const { rows } = await q.query<Row>(
    `SELECT a.*, ${LIVE_AGENT('a')} AS live,
       extract(epoch FROM now() - a.last_seen) * 1000 AS silent_ms,
       extract(epoch FROM a.first_seen) * 1000 AS first_seen_ms, extract(epoch FROM a.last_seen) * 1000 AS last_seen_ms,
       extract(epoch FROM a.registered_at) * 1000 AS registered_at_ms, extract(epoch FROM a.stopped_at) * 1000 AS stopped_at_ms,
       CASE WHEN $2::boolean AND ${LIVE_AGENT('a')} THEN (SELECT coalesce(sum(t.routes), 0) FROM fleet_work_tally t
          WHERE t.fleet = a.fleet AND t.holder = a.agent_id AND t.holder_session = a.session_id) ELSE 0 END AS held
     FROM fleet_agents a WHERE ($1::text IS NULL OR a.fleet = $1) ORDER BY a.fleet, a.hostname, a.agent_id`,
    [fleet, countHeldWork],
  );
  return rows.map((r) => ({
    fleet: String(r.fleet),
    agentId: String(r.agent_id),
    hostname: String(r.hostname),
    node: r.node == null ? null : String(r.node),
    dbRole: String(r.db_role),
    interfaces: r.interfaces as AgentInterface[],
    capabilities: r.capabilities as AgentCapabilities,
    targetGroups: (r.target_groups as string[] | null) ?? [],
    version: String(r.version),
    schemaVersion: Number(r.schema_version),
    holdTimeMs: Number(r.hold_time_ms),
    reportIntervalMs: Number(r.report_interval_ms),
    clockSkewMs: Number(r.clock_skew_ms),
    firstSeenMs: ms(r.first_seen_ms),
    lastSeenMs: ms(r.last_seen_ms),
    registeredAtMs: ms(r.registered_at_ms),
    stoppedAtMs: r.stopped_at_ms == null ? null : ms(r.stopped_at_ms),
    status: r.stopped_at != null ? 'stopped' : r.live === true ? 'up' : 'expired',
    silentForMs: Math.max(0, ms(r.silent_ms)),
    heldWork: Number(r.held),
  }));
}
