/**
 * Migration 8: each fleet agent's latest round, so the leader evaluates the whole fleet. Owned by
 * src/fleet/ (fleet-outcome-exchange.ts); its queries live there.
 *
 * One row per agent, overwritten every round (an upsert), so the table stays as small as the fleet: the
 * round's link-bearing routes (id, kind, group, link keys, figures), the states of the user paths and
 * targets the agent holds, and the path transitions of its last few rounds (the leader takes each once).
 * `published_at` is the server's clock, so freshness never depends on an agent's clock.
 *
 * Row-level security, as for fleet_agents: anyone reads, an agent's role writes only the rows of agents
 * registered under that role. The agent role needs SELECT, INSERT and UPDATE (the upsert), which
 * `pathmon fleet create-role` grants on every table when run again after the upgrade; no DELETE.
 */
import type { Migration } from '../migrations.js';

export const migration8: Migration = {
  version: 8,
  name: "fleet agents' latest round outcomes, for the leader's fleet-wide evaluation",
  sql: `
    CREATE TABLE fleet_round_outcomes (
      fleet        text NOT NULL,
      agent_id     text NOT NULL,
      round_at_ms  bigint NOT NULL,
      -- The agent's probing interval: a row older than two of them (and a hold time) is stale.
      interval_ms  integer NOT NULL CHECK (interval_ms > 0),
      published_at timestamptz NOT NULL DEFAULT now(),
      routes       jsonb NOT NULL,
      paths        jsonb NOT NULL,
      transitions  jsonb NOT NULL,
      PRIMARY KEY (fleet, agent_id)
    );

    ALTER TABLE fleet_round_outcomes ENABLE ROW LEVEL SECURITY;
    CREATE POLICY fleet_round_outcomes_read ON fleet_round_outcomes FOR SELECT USING (true);
    CREATE POLICY fleet_round_outcomes_add ON fleet_round_outcomes FOR INSERT WITH CHECK (EXISTS (SELECT 1 FROM fleet_agents a
      WHERE a.fleet = fleet_round_outcomes.fleet AND a.agent_id = fleet_round_outcomes.agent_id AND a.db_role = current_user));
    CREATE POLICY fleet_round_outcomes_own ON fleet_round_outcomes FOR UPDATE
      USING (EXISTS (SELECT 1 FROM fleet_agents a
        WHERE a.fleet = fleet_round_outcomes.fleet AND a.agent_id = fleet_round_outcomes.agent_id AND a.db_role = current_user))
      WITH CHECK (EXISTS (SELECT 1 FROM fleet_agents a
        WHERE a.fleet = fleet_round_outcomes.fleet AND a.agent_id = fleet_round_outcomes.agent_id AND a.db_role = current_user));
  `,
};
