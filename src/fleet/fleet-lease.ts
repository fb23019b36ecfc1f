/**
 * The fleet-wide leader lease: one row per fleet with holder, session, expiry (server clock) and an epoch
 * that grows at each change of holder. Taking it is one conditional statement: insert it, or update it
 * only when this session already holds it or it has expired, so two agents racing for an expired lease
 * cannot both win (the row lock serialises them; the loser's condition no longer holds).
 *
 * The holder keeps it by renewing at every report. It counts itself leader only until its own
 * monotonic clock says the lease may have run out (measured from when it sent the renewal, which is
 * before the server stamped the expiry), so an old leader stops acting before a new one can start.
 */
import type { SqlQueryable } from '../store/sql-client.js';
import type { AgentSession } from './work-assignment.js';

export const LEADER_LEASE = 'leader';

export interface LeaseHeld {
  epoch: number;
  expiresAtMs: number;
}

/** Takes or renews the lease for `leaseMs`; null when another live holder has it. */
export async function takeLease(q: SqlQueryable, who: AgentSession, leaseMs: number, name = LEADER_LEASE): Promise<LeaseHeld | null> {
  const { rows } = await q.query<Record<string, unknown>>(
    `INSERT INTO fleet_leases AS l (fleet, name, holder, holder_session, expires_at)
     VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond')
     ON CONFLICT (fleet, name) DO UPDATE SET holder = excluded.holder, holder_session = excluded.holder_session, expires_at = excluded.expires_at,
       acquired_at = CASE WHEN l.holder_session = excluded.holder_session THEN l.acquired_at ELSE now() END,
       epoch = CASE WHEN l.holder_session = excluded.holder_session THEN l.epoch ELSE l.epoch + 1 END
     WHERE l.holder_session = excluded.holder_session OR l.expires_at <= now()
     RETURNING epoch, extract(epoch FROM expires_at) * 1000 AS expires_ms`,
    [who.fleet, name, who.agentId, who.sessionId, leaseMs],
  );
  const row = rows[0];
  return row ? { epoch: Number(row.epoch), expiresAtMs: Number(row.expires_ms) } : null;
}

export interface LeaseRow {
  fleet: string;
  name: string;
  holder: string;
  epoch: number;
  acquiredAtMs: number;
  expiresAtMs: number;
  live: boolean;
}

export async function leases(q: SqlQueryable, fleet: string | null = null): Promise<LeaseRow[]> {
  const { rows } = await q.query<Record<string, unknown>>(
    `SELECT fleet, name, holder, epoch, extract(epoch FROM acquired_at) * 1000 AS acquired_ms, extract(epoch FROM expires_at) * 1000 AS expires_ms,
            expires_at > now() AS live
       FROM fleet_leases WHERE ($1::text IS NULL OR fleet = $1) ORDER BY fleet, name`,
    [fleet],
  );
  return rows.map((r) => ({
    fleet: String(r.fleet),
    name: String(r.name),
    holder: String(r.holder),
    epoch: Number(r.epoch),
    acquiredAtMs: Number(r.acquired_ms),
    expiresAtMs: Number(r.expires_ms),
    live: r.live === true,
  }));
}
