/**
 * An agent's own database role (agentRoleStatements, what `pathmon fleet create-role` runs) on the real
 * server: it can register, report, publish and claim work and take the leader lease as itself, and
 * cannot delete agent rows, change another agent's row, claim work or the lease in another agent's name,
 * drop or alter tables, or rewrite the schema version.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { agentRoleStatements, FleetAgent, listAgents, takeLease, workStatus } from '../../../src/fleet/index.js';
import { latestSchemaVersion, openStore, type SqlStore } from '../../../src/store/index.js';
import type { SqlClient } from '../../../src/store/sql-client.js';
import { dropSchema, pgSkipReason, testPgUrl, uniqueSchemaName } from '../../helpers/test-postgres.js';
import { adminQuery, HOLD_MS, identity, logged, nodeWork, REPORT_MS, roleClient, uniqueRoleName } from './fleet-fixtures.js';

const skip = await pgSkipReason();

/** The SQLSTATE a statement fails with, or null when it succeeds. */
async function failure(client: SqlClient, sql: string, params: unknown[] = []): Promise<string | null> {
  try {
    await client.query(sql, params);
    return null;
  } catch (error) {
    return (error as { code?: string }).code ?? 'no code';
  }
}

describe("an agent's own database role", { skip }, () => {
  const schema = uniqueSchemaName('pmfleet');
  const role = uniqueRoleName();
  let admin: SqlStore;
  let client: SqlClient;
  let agent: FleetAgent;

  before(async () => {
    admin = await openStore(testPgUrl, { schema });
    for (const statement of agentRoleStatements(role, schema)) await admin.sqlClient.query(statement);
    // Another agent, registered by the administrator's role, with work of its own.
    const other = new FleetAgent({
      client: admin.sqlClient,
      fleet: 'f',
      identity: identity('agent-admin'),
      node: 'r1',
      targetGroups: ['web'],
      version: 't',
      schemaVersion: latestSchemaVersion,
      holdTimeMs: 60_000,
      reportIntervalMs: 20_000,
      maxClockSkewMs: 5000,
      work: () => nodeWork('r1'),
      log: logged().log,
    });
    await other.start();
    other.stopTimers(); // stays live for its 60 s hold time
    client = roleClient(role, schema);
    agent = new FleetAgent({
      client,
      fleet: 'f',
      identity: identity('agent-role'),
      node: 'r2',
      targetGroups: ['web'],
      version: 't',
      role,
      schemaVersion: latestSchemaVersion,
      holdTimeMs: HOLD_MS,
      reportIntervalMs: REPORT_MS,
      maxClockSkewMs: 5000,
      work: () => nodeWork('r2'),
      log: logged().log,
    });
  });

  after(async () => {
    await agent?.close();
    await client?.close().catch(() => undefined);
    await admin?.close().catch(() => undefined);
    await dropSchema(schema);
    await adminQuery(`DROP OWNED BY ${role}`).catch(() => undefined);
    await adminQuery(`DROP ROLE IF EXISTS ${role}`);
  });

  it('registers, reports, publishes and claims its work as itself', async () => {
    await agent.start();
    await agent.tick();
    assert.ok(agent.isAssigned('path-r2-1'));
    const rows = await listAgents(client, 'f');
    assert.deepEqual(
      rows.map((r) => [r.agentId, r.dbRole, r.status]),
      [
        ['agent-admin', 'postgres', 'up'],
        ['agent-role', role, 'up'],
      ],
    );
    assert.ok((await workStatus(client, 'f')).some((w) => w.routeId === 'path-r2-1' && w.holder === 'agent-role'));
    // Round results and the rest of the history are writable.
    assert.equal(await failure(client, `INSERT INTO round_results (path_id, round_at_ms, sent, received, loss_pct) VALUES ('path-r2-1', 1, 10, 10, 0)`), null);
  });

  it("cannot delete agent rows, touch another agent's row, or act in another agent's name", async () => {
    assert.equal(await failure(client, `DELETE FROM fleet_agents WHERE agent_id = 'agent-admin'`), '42501');
    assert.equal(await failure(client, `DELETE FROM fleet_agents WHERE agent_id = 'agent-role'`), '42501');
    assert.equal(await failure(client, `DELETE FROM fleet_work`), '42501');
    // Row-level security: another agent's row is not there to update.
    const { rowCount } = await client.query(`UPDATE fleet_agents SET hostname = 'evil', stopped_at = now() WHERE agent_id = 'agent-admin'`);
    assert.equal(rowCount, 0);
    assert.equal((await listAgents(admin.sqlClient, 'f')).find((r) => r.agentId === 'agent-admin')!.hostname, 'host-agent-admin');
    // Registering under an id another role owns, claiming work or the lease for another agent: refused.
    assert.equal(await failure(client, `UPDATE fleet_work SET holder = 'agent-admin' WHERE route_id = 'path-r2-1'`), '42501');
    assert.equal(
      await failure(
        client,
        `INSERT INTO fleet_agents (fleet, agent_id, session_id, db_role, hostname, interfaces, capabilities, version, schema_version, hold_time_ms, report_interval_ms)
      VALUES ('f', 'fake', gen_random_uuid(), 'postgres', 'h', '[]', '{}', 'v', 7, 1000, 100)`,
      ),
      '42501',
    );
    const stolen = await takeLease(client, { fleet: 'g', agentId: 'agent-admin', sessionId: '00000000-0000-0000-0000-000000000000' }, 1000).then(
      () => null,
      (e: { code?: string }) => e.code,
    );
    assert.equal(stolen, '42501');
  });

  it('cannot drop, alter or truncate tables, create tables, or rewrite the schema version', async () => {
    assert.equal(await failure(client, 'DROP TABLE fleet_work'), '42501');
    assert.equal(await failure(client, 'DROP TABLE round_results'), '42501');
    assert.equal(await failure(client, 'ALTER TABLE fleet_agents DISABLE ROW LEVEL SECURITY'), '42501');
    assert.equal(await failure(client, 'TRUNCATE fleet_agents'), '42501');
    assert.equal(await failure(client, 'CREATE TABLE sneaky (id int)'), '42501');
    assert.equal(await failure(client, 'DELETE FROM schema_migrations'), '42501');
    assert.equal(await failure(client, 'UPDATE schema_migrations SET version = 99'), '42501');
    assert.equal(await failure(client, `SET ROLE postgres`), '42501');
  });
});
