/**
 * The SQL of fleet_round_outcomes (migration 8): an agent overwrites its own row every round, and reads
 * the rows of the other agents that are live and fresh. Freshness is judged by the server's clock: a
 * row counts while the agent is live (LIVE_AGENT) and was written within two of its probing intervals
 * plus its hold time, so an agent whose monitor loop stalled while its heartbeat goes on stops counting.
 *
 * Rows come from other processes (maybe another pathmon version), so what is read is checked field by
 * field: a malformed row is left out with the reason, never allowed to break the leader's round.
 */
import type { RoundStats } from '../../probes/index.js';
import type { PathStatus } from '../incidents/index.js';
import type { PathTransition, RouteOutcome } from '../monitor/index.js';
import type { SqlQueryable } from '../store/sql-client.js';
import { LIVE_AGENT } from './agent-registry.js';

/** One route of a published round: what the localizer and the incident desk read of it. */
export type PublishedRoute = Omit<RouteOutcome, 'kind'> & { kind: 'path' | 'walk' };

/** A path transition an agent found, with the round it came from (the leader takes each once). */
export interface PublishedTransition extends PathTransition {
  roundAtMs: number;
}

/** One agent's latest round, as published. */
export interface PeerRound {
  agentId: string;
  roundAtMs: number;
  routes: PublishedRoute[];
  /** The user paths and targets the agent holds, with their states after that round. */
  paths: PathStatus[];
  /** Its path transitions of the last few rounds, oldest first. */
  transitions: PublishedTransition[];
}

export interface PublishRound extends PeerRound {
  fleet: string;
  intervalMs: number;
}

export async function publishRoundOutcome(q: SqlQueryable, round: PublishRound): Promise<void> {
  await q.query(
    `INSERT INTO fleet_round_outcomes (fleet, agent_id, round_at_ms, interval_ms, published_at, routes, paths, transitions)
     VALUES ($1, $2, $3, $4, now(), $5::jsonb, $6::jsonb, $7::jsonb)
     ON CONFLICT (fleet, agent_id) DO UPDATE SET round_at_ms = excluded.round_at_ms, interval_ms = excluded.interval_ms,
       published_at = excluded.published_at, routes = excluded.routes, paths = excluded.paths, transitions = excluded.transitions`,
    [round.fleet, round.agentId, round.roundAtMs, round.intervalMs, JSON.stringify(round.routes), JSON.stringify(round.paths), JSON.stringify(round.transitions)],
  );
}

/** The latest round of every other live agent of the fleet whose row is fresh; malformed rows are listed apart. */
export async function peerRoundOutcomes(q: SqlQueryable, fleet: string, selfAgentId: string): Promise<{ rounds: PeerRound[]; malformed: string[] }> {
  const { rows } = await q.query<{ agent_id: string; round_at_ms: unknown; routes: unknown; paths: unknown; transitions: unknown }>(
    `SELECT o.agent_id, o.round_at_ms, o.routes, o.paths, o.transitions
       FROM fleet_round_outcomes o
       JOIN fleet_agents a ON a.fleet = o.fleet AND a.agent_id = o.agent_id
      WHERE o.fleet = $1 AND o.agent_id <> $2 AND ${LIVE_AGENT('a')}
        AND o.published_at + (2 * o.interval_ms + a.hold_time_ms) * interval '1 millisecond' > now()
      ORDER BY o.agent_id`,
    [fleet, selfAgentId],
  );
  const rounds: PeerRound[] = [];
  const malformed: string[] = [];
  for (const row of rows) {
    const problem = rowProblem(row);
    if (problem !== null) {
      malformed.push(`agent ${row.agent_id}: ${problem}`);
      continue;
    }
    rounds.push({
      agentId: row.agent_id,
      roundAtMs: Number(row.round_at_ms),
      routes: parsed(row.routes) as PublishedRoute[],
      paths: parsed(row.paths) as PathStatus[],
      transitions: parsed(row.transitions) as PublishedTransition[],
    });
  }
  return { rounds, malformed };
}

/** jsonb arrives parsed from the server and as text from some drivers. */
function parsed(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

function rowProblem(row: { round_at_ms: unknown; routes: unknown; paths: unknown; transitions: unknown }): string | null {
  if (!Number.isFinite(Number(row.round_at_ms))) return `round_at_ms is ${String(row.round_at_ms)}; expected epoch milliseconds`;
  let routes: unknown;
  let paths: unknown;
  let transitions: unknown;
  try {
    routes = parsed(row.routes);
    paths = parsed(row.paths);
    transitions = parsed(row.transitions);
  } catch (error) {
    return `unreadable JSON (${(error as Error).message})`;
  }
  if (!Array.isArray(routes)) return "routes is not an array; expected the round's routes";
  for (const [index, route] of routes.entries()) {
    const problem = routeProblem(route);
    if (problem !== null) return `routes[${index}] ${problem}`;
  }
  if (!Array.isArray(paths)) return 'paths is not an array; expected the path states';
  for (const [index, status] of paths.entries()) {
    const problem = statusProblem(status);
    if (problem !== null) return `paths[${index}] ${problem}`;
  }
  if (!Array.isArray(transitions)) return 'transitions is not an array; expected the recent path transitions';
  for (const [index, entry] of transitions.entries()) {
    const problem = transitionProblem(entry);
    if (problem !== null) return `transitions[${index}] ${problem}`;
  }
  return null;
}

const STATES = new Set(['UP', 'DEGRADED', 'DOWN', 'GONE']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function routeProblem(route: unknown): string | null {
  if (!isObject(route)) return 'is not an object; expected {id, kind, group, linkKeys, stats}';
  if (typeof route.id !== 'string' || route.id === '') return 'has no id';
  if (route.kind !== 'path' && route.kind !== 'walk') return `has kind ${JSON.stringify(route.kind)}; expected "path" or "walk"`;
  if (route.group !== null && typeof route.group !== 'string') return 'has a group that is neither text nor null';
  if (!isStringArray(route.linkKeys)) return 'has linkKeys that are not a list of link keys';
  return statsProblem(route.stats);
}

function statsProblem(stats: unknown): string | null {
  if (!isObject(stats)) return 'has no stats';
  const s = stats as Partial<RoundStats>;
  if (!Number.isInteger(s.sent) || !Number.isInteger(s.received) || (s.sent as number) < 0 || (s.received as number) < 0) return 'has stats without whole sent and received counts';
  if (typeof s.lossPct !== 'number') return 'has stats without lossPct';
  if (s.rttMs !== null && (!isObject(s.rttMs) || typeof (s.rttMs as { p50?: unknown }).p50 !== 'number')) return 'has stats whose rttMs is neither null nor figures with p50';
  return null;
}

function recordProblem(record: unknown): string | null {
  if (!isObject(record)) return 'has no path record';
  if (typeof record.id !== 'string' || typeof record.group !== 'string') return 'has a path record without id and group';
  if (!isStringArray(record.linkKeys) || !isStringArray(record.names)) return 'has a path record without linkKeys and names';
  return null;
}

function statusProblem(status: unknown): string | null {
  if (!isObject(status)) return 'is not an object; expected {record, state}';
  if (!STATES.has(status.state as string)) return `has state ${JSON.stringify(status.state)}; expected UP, DEGRADED, DOWN or GONE`;
  return recordProblem(status.record);
}

function transitionProblem(entry: unknown): string | null {
  if (!isObject(entry)) return 'is not an object; expected {roundAtMs, path, transition}';
  if (typeof entry.roundAtMs !== 'number') return 'has no roundAtMs';
  const problem = recordProblem(entry.path);
  if (problem !== null) return problem;
  const transition = entry.transition;
  if (!isObject(transition) || transition.pathId !== (entry.path as { id: string }).id || !STATES.has(transition.to as string)) {
    return 'has a transition that is not of its path, or without a state to go to';
  }
  if (!isObject(transition.evidence) || !Array.isArray(transition.evidence.rounds) || !isObject(transition.evidence.thresholds)) return 'has a transition without evidence';
  return null;
}
