/**
 * The fleet's route counts kept as work is written (migration 9) against the routes themselves, on an
 * in-memory PGlite with real agents: after publishing, claiming, a plan dropping routes, an agent
 * expiring, a clean stop and the leader's merge, the tally sums to exactly the grouped routes, and the
 * views read from it (fleetView, unmonitoredRoutes, listAgents) say what the per-route statuses say.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FleetAgent, fleetView, listAgents, unmonitoredRoutes, workStatus, type WorkItem } from '../../../src/fleet/index.js';
import { compactWorkTally } from '../../../src/fleet/work-tally.js';
import { latestSchemaVersion, openStore, type SqlStore } from '../../../src/store/index.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const targets = Array.from({ length: 30 }, (_, i): WorkItem => ({ routeId: `t-${i}`, kind: 'target', sourceNode: null, targetGroup: 'web', probeKind: 'tcp' }));
const paths = (node: string, n: number): WorkItem[] =>
  Array.from({ length: n }, (_, i): WorkItem => ({ routeId: `p-${node}-${i}`, kind: 'path', sourceNode: node, targetGroup: null, probeKind: 'gre' }));

describe('fleet work tally', () => {
  let store: SqlStore;
  const plans = new Map<string, WorkItem[]>();
  const agents = new Map<string, FleetAgent>();

  const agent = (id: string, node: string): FleetAgent =>
    new FleetAgent({
      client: store.sqlClient,
      fleet: 'f',
      identity: { agentId: id, hostname: `host-${id}`, interfaces: [], capabilities: { rawSockets: true, kernelTimestamps: true, probeKinds: ['gre', 'icmp', 'tcp', 'udp'] } },
      node,
      targetGroups: ['web'],
      version: 'test',
      schemaVersion: latestSchemaVersion,
      holdTimeMs: 30_000,
      reportIntervalMs: 10_000,
      maxClockSkewMs: 5000,
      work: () => plans.get(id)!,
      log: quiet,
    });

  /** The tally's sums and the routes grouped the same way, as sorted lines to compare. */
  async function tallyAndTruth(): Promise<[string[], string[]]> {
    const line = (r: Record<string, unknown>) => `${r.is_target}|${r.scope}|${r.probe_kind}|${r.holder ?? '-'}|${r.holder_session ?? '-'}|${Number(r.n)}`;
    const { rows: tally } = await store.sqlClient.query(
      `SELECT is_target, scope, probe_kind, holder, holder_session::text AS holder_session, sum(routes) AS n FROM fleet_work_tally WHERE fleet = 'f'
        GROUP BY 1, 2, 3, 4, 5 HAVING sum(routes) <> 0`,
    );
    const { rows: truth } = await store.sqlClient.query(
      `SELECT kind = 'target' AS is_target, CASE WHEN kind = 'target' THEN target_group ELSE source_node END AS scope, probe_kind, holder,
              holder_session::text AS holder_session, count(*) AS n
         FROM fleet_work WHERE fleet = 'f' AND gone_at IS NULL GROUP BY 1, 2, 3, 4, 5`,
    );
    return [tally.map(line).sort(), truth.map(line).sort()];
  }

  async function assertTallyExact(when: string): Promise<void> {
    const [tally, truth] = await tallyAndTruth();
    assert.ok(truth.length > 0, `${when}: routes exist`);
    assert.deepEqual(tally, truth, when);
  }

  /** fleetView's counts and held routes against workStatus, which decides each route's status on its own. */
  async function assertViewMatchesRoutes(when: string): Promise<void> {
    const routes = await workStatus(store.sqlClient, 'f');
    const view = await fleetView(store.sqlClient, 'f');
    const count = (status: string) => routes.filter((r) => r.status === status).length;
    const unmonitored = routes
      .filter((r) => r.status === 'unmonitored')
      .map((r) => r.routeId)
      .sort();
    assert.deepEqual(
      view.work.map((w) => ({ assigned: w.assigned, moving: w.moving, unmonitored: w.unmonitored, ids: w.unmonitoredIds })),
      [{ assigned: count('assigned'), moving: count('moving'), unmonitored: count('unmonitored'), ids: unmonitored }],
      when,
    );
    for (const row of view.agents) assert.equal(row.heldWork, routes.filter((r) => r.status === 'assigned' && r.holder === row.agentId).length, `${when}: ${row.agentId} held`);
    for (const row of await listAgents(store.sqlClient, 'f')) {
      assert.equal(row.heldWork, view.agents.find((a) => a.agentId === row.agentId)!.heldWork, `${when}: listAgents ${row.agentId}`);
    }
    assert.deepEqual(await unmonitoredRoutes(store.sqlClient, 'f'), unmonitored, `${when}: unmonitoredRoutes`);
  }

  before(async () => {
    store = await openStore('pglite:memory');
    for (const [id, node] of [
      ['a', 'n1'],
      ['b', 'n2'],
      ['c', 'n3'],
    ] as const) {
      plans.set(id, [...paths(node, 5), ...targets]);
      agents.set(id, agent(id, node));
    }
  });

  after(async () => {
    for (const a of agents.values()) a.stopTimers();
    await store?.close();
  });

  it('counts every route by scope and holder through publishing, claiming, dropping, expiry, a clean stop and the merge', async () => {
    for (const a of agents.values()) await a.start({ reportOnTimer: false });
    await assertTallyExact('after three agents joined');
    // Settle: each lets go of what another should have, then claims what is free.
    for (let i = 0; i < 3; i++) for (const a of agents.values()) await a.tick();
    await assertTallyExact('after settling');
    await assertViewMatchesRoutes('after settling');
    assert.equal((await fleetView(store.sqlClient, 'f')).work[0]!.assigned, 45);

    // A plan drops two paths and a target: they are gone, not counted.
    plans.set('a', [...paths('n1', 3), ...targets.slice(1)]);
    await agents.get('a')!.tick();
    await assertTallyExact('after a plan dropped routes');

    // b is silent past its hold time: its paths are unmonitored, its targets move at the others' reports.
    agents.get('b')!.stopTimers();
    await store.sqlClient.query(`UPDATE fleet_agents SET last_seen = now() - interval '1 hour' WHERE fleet = 'f' AND agent_id = 'b'`);
    await assertViewMatchesRoutes('with b expired, before the others report');
    const before = await fleetView(store.sqlClient, 'f');
    assert.equal(before.work[0]!.unmonitored, 5, "b's five paths: nobody else stands on n2");
    assert.equal(before.agents.find((r) => r.agentId === 'b')!.heldWork, 0);
    // Only b left: the others take over its targets at their next report, then run the whole pass.
    for (const id of ['a', 'c']) await agents.get(id)!.tick();
    await assertTallyExact("after b's targets were taken");
    await assertViewMatchesRoutes("after b's targets were taken");
    assert.equal((await fleetView(store.sqlClient, 'f')).work[0]!.moving, 0);
    const held = new Map(['a', 'c'].map((id) => [id, agents.get(id)!.assignedWork().sort()]));
    for (const id of ['a', 'c']) await agents.get(id)!.tick();
    for (const id of ['a', 'c']) assert.deepEqual(agents.get(id)!.assignedWork().sort(), held.get(id), `${id}: the whole pass agrees with the takeover`);
    await assertViewMatchesRoutes('after the whole pass');

    // A clean stop releases at once.
    await agents.get('c')!.close();
    await assertTallyExact('after c stopped');
    await assertViewMatchesRoutes('after c stopped');

    // The merge leaves one row per group with the same sums; a second merge has nothing to do.
    const [, truth] = await tallyAndTruth();
    assert.ok((await compactWorkTally(store.sqlClient, 'f')) > 0);
    await assertTallyExact('after the merge');
    const { rows } = await store.sqlClient.query<{ n: unknown }>(`SELECT count(*) AS n FROM fleet_work_tally WHERE fleet = 'f'`);
    assert.ok(Number(rows[0]!.n) <= truth.length, `merged to at most one row per group: ${Number(rows[0]!.n)} rows for ${truth.length} groups`);
    assert.equal(await compactWorkTally(store.sqlClient, 'f'), 0);
  });
});
