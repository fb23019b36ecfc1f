/**
 * Migration 7: fleet agents, leases and work assignment. Owned by src/fleet/; its queries live there.
 *
 * Every time comparison uses the server's clock (now()), so an agent whose clock is off changes nothing.
 * An agent is live while `last_seen + hold_time_ms` is ahead of now(); that rule is evaluated where it
 * is read, so no process has to be alive to expire another. A work item is held by (holder,
 * holder_session): valid exactly while that agent's row is live with that same session, so one
 * heartbeat renews every lease the agent holds (no per-item renewal writes), and an agent that
 * restarts after expiry (new session) does not inherit leases it cannot vouch for.
 *
 * Row-level security lets an agent's own database role change only its own agent row, set itself (or
 * nobody) as a work item's holder, and take the leader lease only for itself; agents get no DELETE on
 * these tables (see src/fleet/agent-role-sql.ts). The owner running migrations bypasses the policies.
 */
import type { Migration } from '../migrations.js';

export const migration7: Migration = {
  version: 7,
  name: 'fleet agents, leases and work assignment',
  sql: `
    CREATE TABLE fleet_agents (
      fleet              text NOT NULL,
      agent_id           text NOT NULL,
      -- The registration holding the id now; a second live process with the same id is refused.
      session_id         uuid NOT NULL,
      db_role            text NOT NULL DEFAULT current_user,
      hostname           text NOT NULL,
      node               text,
      interfaces         jsonb NOT NULL,
      capabilities       jsonb NOT NULL,
      target_groups      text[] NOT NULL DEFAULT '{}',
      version            text NOT NULL,
      schema_version     integer NOT NULL,
      hold_time_ms       integer NOT NULL CHECK (hold_time_ms > 0),
      report_interval_ms integer NOT NULL CHECK (report_interval_ms > 0),
      -- Agent clock minus server clock at the last report, for the warning and the agents page.
      clock_skew_ms      double precision NOT NULL DEFAULT 0,
      first_seen         timestamptz NOT NULL DEFAULT now(),
      registered_at      timestamptz NOT NULL DEFAULT now(),
      last_seen          timestamptz NOT NULL DEFAULT now(),
      -- Set by a clean shutdown: the agent is gone on purpose, its work moves at once.
      stopped_at         timestamptz,
      PRIMARY KEY (fleet, agent_id)
    );
    CREATE INDEX fleet_agents_node ON fleet_agents (fleet, node);

    CREATE TABLE fleet_work (
      fleet          text NOT NULL,
      route_id       text COLLATE "C" NOT NULL,
      kind           text NOT NULL CHECK (kind IN ('path', 'walk', 'target')),
      -- Paths and walks: the node they start from (only an agent standing there can run them).
      source_node    text,
      -- Targets: the target group (any agent serving the group can run them).
      target_group   text,
      probe_kind     text NOT NULL CHECK (probe_kind IN ('gre', 'icmp', 'tcp', 'udp')),
      published_by   text NOT NULL,
      published_at   timestamptz NOT NULL DEFAULT now(),
      gone_at        timestamptz,
      holder         text,
      holder_session uuid,
      held_since     timestamptz,
      PRIMARY KEY (fleet, route_id),
      CHECK ((kind = 'target') = (target_group IS NOT NULL)),
      CHECK ((kind = 'target') OR source_node IS NOT NULL)
    );
    CREATE INDEX fleet_work_source ON fleet_work (fleet, source_node) WHERE gone_at IS NULL;
    CREATE INDEX fleet_work_group ON fleet_work (fleet, target_group) WHERE gone_at IS NULL;
    CREATE INDEX fleet_work_holder ON fleet_work (fleet, holder);

    -- One row per fleet-wide duty ('leader': evaluate fleet state, localize, send tickets and mail).
    -- epoch grows at every change of holder: a fencing token for work done under the lease.
    CREATE TABLE fleet_leases (
      fleet          text NOT NULL,
      name           text NOT NULL,
      holder         text NOT NULL,
      holder_session uuid NOT NULL,
      acquired_at    timestamptz NOT NULL DEFAULT now(),
      expires_at     timestamptz NOT NULL,
      epoch          bigint NOT NULL DEFAULT 1,
      PRIMARY KEY (fleet, name)
    );

    ALTER TABLE fleet_agents ENABLE ROW LEVEL SECURITY;
    CREATE POLICY fleet_agents_read ON fleet_agents FOR SELECT USING (true);
    CREATE POLICY fleet_agents_add ON fleet_agents FOR INSERT WITH CHECK (db_role = current_user);
    CREATE POLICY fleet_agents_own ON fleet_agents FOR UPDATE USING (db_role = current_user) WITH CHECK (db_role = current_user);

    ALTER TABLE fleet_work ENABLE ROW LEVEL SECURITY;
    CREATE POLICY fleet_work_read ON fleet_work FOR SELECT USING (true);
    CREATE POLICY fleet_work_publish ON fleet_work FOR INSERT WITH CHECK (holder IS NULL);
    CREATE POLICY fleet_work_hold ON fleet_work FOR UPDATE USING (true) WITH CHECK (
      holder IS NULL OR EXISTS (SELECT 1 FROM fleet_agents a
        WHERE a.fleet = fleet_work.fleet AND a.agent_id = fleet_work.holder AND a.db_role = current_user));

    ALTER TABLE fleet_leases ENABLE ROW LEVEL SECURITY;
    CREATE POLICY fleet_leases_read ON fleet_leases FOR SELECT USING (true);
    CREATE POLICY fleet_leases_take ON fleet_leases FOR INSERT WITH CHECK (EXISTS (SELECT 1 FROM fleet_agents a
      WHERE a.fleet = fleet_leases.fleet AND a.agent_id = fleet_leases.holder AND a.db_role = current_user));
    CREATE POLICY fleet_leases_hold ON fleet_leases FOR UPDATE USING (true) WITH CHECK (EXISTS (SELECT 1 FROM fleet_agents a
      WHERE a.fleet = fleet_leases.fleet AND a.agent_id = fleet_leases.holder AND a.db_role = current_user));
  `,
};
