/**
 * The SQL that makes a database role for one agent, with only what an agent does: read everything,
 * write the history it measures (and, as leader, the incidents, outbox, tickets and retention's
 * deletes), register and report as itself. It gets no DDL (it owns no table, so it can neither drop
 * nor alter one, nor run migrations: an administrator migrates), no DELETE on the fleet's tables, no
 * write on the counts the database keeps from them (migration 9's triggers write those as the owner),
 * and row-level security (migration 7) keeps it to its own agent row and to itself as a holder.
 *
 * Idempotent: run it again after an upgrade adds tables (ALL TABLES covers only the tables there now).
 */
import { ROLE_NAME } from './fleet-config-schema.js';
import { FleetError } from './fleet-error.js';

/** Tables whose old rows retention deletes, and the outbox the leader prunes. */
export const RETENTION_TABLES = [
  'round_results',
  'rollups',
  'transitions',
  'notifications',
  'topology_snapshots',
  'tickets',
  'paths',
  'walks',
  'link_estimates',
  'incident_changes',
  'incidents',
  'outbox',
] as const;

export const FLEET_TABLES = ['fleet_agents', 'fleet_work', 'fleet_leases', 'fleet_round_outcomes'] as const;

/** Kept by the database itself (triggers on fleet_work, migration 9): agents only read them. */
export const DERIVED_TABLES = ['fleet_work_tally'] as const;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * The statements, in order, to create (or update) `role` for agents using the pathmon tables in
 * `schema`. `password` is set when given (never logged: the caller passes it to the server only).
 */
export function agentRoleStatements(role: string, schema: string, password?: string): string[] {
  if (!ROLE_NAME.test(role)) {
    throw new FleetError('bad-value', `fleet.agentRoleStatements: role ${JSON.stringify(role)} is not valid; expected 1 to 63 lower-case letters, digits or "_", starting with a letter`);
  }
  if (!SCHEMA_NAME.test(schema)) {
    throw new FleetError('bad-value', `fleet.agentRoleStatements: schema ${JSON.stringify(schema)} is not valid; expected 1 to 63 lower-case letters, digits or "_", starting with a letter`);
  }
  const login = password === undefined ? 'LOGIN' : `LOGIN PASSWORD ${quoteLiteral(password)}`;
  return [
    `DO $$ BEGIN
       IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${quoteLiteral(role)}) THEN CREATE ROLE ${role} ${login}; END IF;
     END $$`,
    ...(password === undefined ? [] : [`ALTER ROLE ${role} ${login}`]),
    `ALTER ROLE ${role} NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS`,
    `GRANT USAGE ON SCHEMA ${schema} TO ${role}`,
    `REVOKE CREATE ON SCHEMA ${schema} FROM ${role}`,
    `GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA ${schema} TO ${role}`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${schema} TO ${role}`,
    `GRANT DELETE ON ${RETENTION_TABLES.map((t) => `${schema}.${t}`).join(', ')} TO ${role}`,
    `REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ${schema}.schema_migrations FROM ${role}`,
    `REVOKE DELETE, TRUNCATE ON ${FLEET_TABLES.map((t) => `${schema}.${t}`).join(', ')} FROM ${role}`,
    `REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ${DERIVED_TABLES.map((t) => `${schema}.${t}`).join(', ')} FROM ${role}`,
  ];
}

/** The same, as one script an administrator can read and run with psql. */
export function agentRoleScript(role: string, schema: string): string {
  return `${agentRoleStatements(role, schema)
    .map((s) => `${s};`)
    .join('\n')}\n`;
}
