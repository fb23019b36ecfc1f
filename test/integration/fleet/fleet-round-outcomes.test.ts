/**
 * fleet_round_outcomes (migration 8) on the real server: one row per agent, overwritten each round;
 * what an agent reads back is only the other live agents' fresh rows, a malformed row left out with the
 * field that is wrong; and an agent's own database role (as `pathmon fleet create-role` makes it) may
 * write its own row and no other agent's.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { agentRoleStatements, FleetAgent, FleetOutcomeExchange, peerRoundOutcomes, publishRoundOutcome, type PublishedRoute } from '../../../src/fleet/index.js';
import type { RoundOutcome } from '../../../src/monitor/index.js';
import { latestSchemaVersion, openStore, type SqlStore } from '../../../src/store/index.js';
import type { SqlClient } from '../../../src/store/sql-client.js';
import type { PathRecord, TransitionRecord } from '../../../src/store/records.js';
import { dropSchema, pgSkipReason, testPgUrl, uniqueSchemaName } from '../../helpers/test-postgres.js';
import { adminQuery, identity, logged, roleClient, uniqueRoleName } from './fleet-fixtures.js';

const skip = await pgSkipReason();
const FLEET = 'outcomes';

function route(id: string, lossPct = 0): PublishedRoute {
  return {
    kind: 'walk',
    id,
    group: null,
    linkKeys: ['R1|R2|10.0.0.1|10.0.0.2', 'R2|R1|10.0.0.2|10.0.0.1'],
    stats: { sent: 10, received: 10 - lossPct / 10, lossPct, late: 0, duplicates: 0, rttMs: { min: 1, avg: 1, max: 1, p50: 1, p95: 1, p99: 1 }, jitterMs: 0 },
  };
}

function pathRecord(id: string): PathRecord {
  return { id, group: 'lab', fromNode: 'dev1', toNode: 'dev2', names: ['dev1', 'R1', 'dev2'], hops: [], hopNames: [], linkKeys: ['R1|R2|10.0.0.1|10.0.0.2'], firstSeenMs: 0, goneAtMs: null };
}

function transition(pathId: string, atMs: number, to: 'UP' | 'DOWN'): TransitionRecord {
  return { pathId, atMs, from: to === 'DOWN' ? 'UP' : 'DOWN', to, reason: `${to} for the test`, evidence: { rounds: [], thresholds: { delayMs: 10, lossPct: 5 }, hysteresisRounds: 2 } };
}

describe("fleet_round_outcomes: each agent's latest round", { skip }, () => {
  const schema = uniqueSchemaName('pmflout');
  const role = uniqueRoleName();
  let admin: SqlStore;
  let roleSql: SqlClient;
  const agents: FleetAgent[] = [];

  async function agent(id: string, client: SqlClient, extra: { role?: string } = {}): Promise<FleetAgent> {
    const a = new FleetAgent({
      client,
      fleet: FLEET,
      identity: identity(id),
      node: `node-${id}`,
      targetGroups: [],
      version: 't',
      schemaVersion: latestSchemaVersion,
      holdTimeMs: 60_000,
      reportIntervalMs: 20_000,
      maxClockSkewMs: 5000,
      work: () => [],
      log: logged().log,
      ...extra,
    });
    await a.start();
    a.stopTimers(); // live for its 60 s hold time
    agents.push(a);
    return a;
  }

  before(async () => {
    admin = await openStore(testPgUrl, { schema });
    for (const statement of agentRoleStatements(role, schema)) await admin.sqlClient.query(statement);
    roleSql = roleClient(role, schema);
    await agent('a', admin.sqlClient);
    await agent('b', admin.sqlClient);
    await agent('mine', roleSql, { role });
  });

  after(async () => {
    await roleSql?.close().catch(() => undefined);
    await admin?.close().catch(() => undefined);
    await dropSchema(schema);
    await adminQuery(`DROP OWNED BY ${role}`).catch(() => undefined);
    await adminQuery(`DROP ROLE IF EXISTS ${role}`);
  });

  it('keeps one row per agent, the latest round, and reads back the others only', async () => {
    const base = { fleet: FLEET, intervalMs: 1000, paths: [], transitions: [] };
    await publishRoundOutcome(admin.sqlClient, { ...base, agentId: 'a', roundAtMs: 1000, routes: [route('wa1')] });
    await publishRoundOutcome(admin.sqlClient, { ...base, agentId: 'a', roundAtMs: 2000, routes: [route('wa1', 50), route('wa2')] });
    await publishRoundOutcome(admin.sqlClient, { ...base, agentId: 'b', roundAtMs: 2100, routes: [route('wb1')] });
    const { rows } = await admin.sqlClient.query<{ n: unknown }>('SELECT count(*) AS n FROM fleet_round_outcomes WHERE agent_id = $1', ['a']);
    assert.equal(Number(rows[0]!.n), 1, 'one row for a, however many rounds');

    const seen = await peerRoundOutcomes(admin.sqlClient, FLEET, 'b');
    assert.deepEqual(seen.malformed, []);
    assert.deepEqual(
      seen.rounds.map((r) => [r.agentId, r.roundAtMs, r.routes.map((x) => `${x.id}:${x.stats.lossPct}`)]),
      [['a', 2000, ['wa1:50', 'wa2:0']]],
      "b reads a's latest round, not its own",
    );
  });

  it('leaves out the rows of stopped agents, stale rows and malformed rows (naming what is wrong)', async () => {
    const base = { fleet: FLEET, paths: [], transitions: [] };
    await publishRoundOutcome(admin.sqlClient, { ...base, agentId: 'b', intervalMs: 1000, roundAtMs: 3000, routes: [route('wb1')] });
    // a's row written long ago: older than two intervals and its hold time.
    await admin.sqlClient.query("UPDATE fleet_round_outcomes SET published_at = now() - interval '10 minutes' WHERE agent_id = 'a'");
    assert.deepEqual(
      (await peerRoundOutcomes(admin.sqlClient, FLEET, 'mine')).rounds.map((r) => r.agentId),
      ['b'],
      "a's stale row is left out",
    );
    await admin.sqlClient.query(`UPDATE fleet_round_outcomes SET routes = '[{"id": "wb1", "kind": "walk", "group": null, "linkKeys": "R1|R2", "stats": {}}]' WHERE agent_id = 'b'`);
    const malformed = await peerRoundOutcomes(admin.sqlClient, FLEET, 'mine');
    assert.deepEqual(malformed.rounds, []);
    assert.equal(malformed.malformed.length, 1);
    assert.match(malformed.malformed[0]!, /agent b: routes\[0\] has linkKeys/);

    const logs = logged();
    const reading = new FleetOutcomeExchange({ client: admin.sqlClient, fleet: FLEET, agentId: 'mine', intervalMs: 1000, log: logs.log });
    await reading.refresh();
    assert.deepEqual(reading.peers(), []);
    assert.ok(
      logs.lines.some((line) => line.startsWith('warn fleet: left out a published round: agent b: routes[0]')),
      logs.lines.join('\n'),
    );

    await publishRoundOutcome(admin.sqlClient, { ...base, agentId: 'b', intervalMs: 1000, roundAtMs: 4000, routes: [route('wb1')] });
    await agents[1]!.close(); // b leaves the fleet: its row no longer counts
    assert.deepEqual((await peerRoundOutcomes(admin.sqlClient, FLEET, 'mine')).rounds, []);
  });

  it("an agent's role writes its own row through the exchange, and not another agent's", async () => {
    const logs = logged();
    const exchange = new FleetOutcomeExchange({ client: roleSql, fleet: FLEET, agentId: 'mine', intervalMs: 1000, log: logs.log, keptRounds: 2 });
    const outcome = (atMs: number): RoundOutcome => ({
      atMs,
      routes: [
        { ...route('wm1'), kind: 'walk' },
        { kind: 'target', id: 'target-x', group: 'web', linkKeys: [], stats: route('t').stats },
      ],
    });
    for (const [atMs, to] of [
      [5000, 'DOWN'],
      [6000, null],
      [7000, 'UP'],
    ] as const) {
      exchange.afterRound({
        outcome: outcome(atMs),
        transitions: to ? [{ path: pathRecord('p1'), transition: transition('p1', atMs, to) }] : [],
        paths: [{ record: pathRecord('p1'), state: to ?? 'DOWN' }],
      });
      await exchange.settled();
    }
    assert.deepEqual(
      logs.lines.filter((line) => line.startsWith('warn')),
      [],
      'published without a refusal',
    );
    const read = (await peerRoundOutcomes(admin.sqlClient, FLEET, 'someone-else')).rounds.find((r) => r.agentId === 'mine');
    assert.ok(read, 'the row of the role is there');
    assert.equal(read.roundAtMs, 7000);
    assert.deepEqual(
      read.routes.map((r) => r.id),
      ['wm1'],
      'targets cross no link: their states travel in paths',
    );
    assert.deepEqual(
      read.transitions.map((t) => `${t.roundAtMs} ${t.transition.to}`),
      ['7000 UP'],
      'the transitions of the last 2 rounds (keptRounds) only',
    );
    assert.deepEqual(
      read.paths.map((p) => `${p.record.id} ${p.state}`),
      ['p1 UP'],
    );

    // The role may not write (or overwrite) a row of an agent registered by another role.
    const refused = await publishRoundOutcome(roleSql, { fleet: FLEET, agentId: 'a', intervalMs: 1000, roundAtMs: 8000, routes: [], paths: [], transitions: [] }).then(
      () => null,
      (error: { code?: string }) => error.code ?? 'no code',
    );
    assert.equal(refused, '42501', 'row-level security refuses it');
    await exchange.close();
  });
});
