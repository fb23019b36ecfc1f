/**
 * Three in-process agents on a per-run schema of the real PostgreSQL server: they register and share
 * the work; one stops reporting as a SIGKILLed process would (timers stopped, never closed) and its
 * targets move to the others within one hold time while its own paths become unmonitored and it is
 * listed expired; it comes back with the same id and takes its work back; the leader dies and another
 * takes over within one hold time; a second live claimant of an id, a clock 10 minutes off and an agent
 * older than the schema each get a clear refusal or warning and change nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FleetError, leases, listAgents, preferredAgent, startFleetAgent, workStatus, type ProbeKind } from '../../../src/fleet/index.js';
import type { SqlStore } from '../../../src/store/index.js';
import { dropSchema, pgSkipReason, testPgUrl, uniqueSchemaName } from '../../helpers/test-postgres.js';
import { openStore } from '../../../src/store/index.js';
import { HOLD_MS, REPORT_MS, TARGETS, identity, logged, openAgent, waitFor, type TestAgent } from './fleet-fixtures.js';

const skip = await pgSkipReason();

describe('a fleet of three agents on one PostgreSQL server', { skip }, () => {
  const schema = uniqueSchemaName('pmfleet');
  const fleet = 'lab';
  const agents = new Map<string, TestAgent>();
  const stores: SqlStore[] = [];
  let admin: SqlStore;

  const heldTargets = (agent: TestAgent) =>
    agent.agent
      .assignedWork()
      .filter((id) => id.startsWith('target-'))
      .sort();

  before(async () => {
    admin = await openStore(testPgUrl, { schema });
    for (const [id, node] of [
      ['agent-a', 'r1'],
      ['agent-b', 'r2'],
      ['agent-c', 'r3'],
    ] as const) {
      const agent = await openAgent(schema, fleet, id, node);
      agents.set(id, agent);
      stores.push(agent.store);
      await agent.agent.start();
    }
  });

  after(async () => {
    for (const { agent } of agents.values()) await agent.close();
    for (const store of stores) await store.close().catch(() => undefined);
    await admin?.close().catch(() => undefined);
    await dropSchema(schema);
  });

  it('registers every agent with its identity and shares the targets evenly, each path with the agent on its node', async () => {
    // Rendezvous settles within two reports: each agent lets go of what another should have.
    // Settled: each agent holds exactly the targets rendezvous gives it among the three.
    const live = [...agents.keys()].map((agentId) => ({ agentId, node: null, targetGroups: ['web'], probeKinds: ['tcp'] as ProbeKind[] }));
    const expected = (id: string) => TARGETS.filter((t) => preferredAgent({ routeId: t, kind: 'target', sourceNode: null, targetGroup: 'web', probeKind: 'tcp' }, live) === id).sort();
    await waitFor('the 12 targets split as rendezvous says', 20 * REPORT_MS, () => [...agents].every(([id, agent]) => JSON.stringify(heldTargets(agent)) === JSON.stringify(expected(id))));
    const all = [...agents.values()].flatMap(heldTargets);
    assert.equal(new Set(all).size, TARGETS.length);
    assert.equal(all.length, TARGETS.length, 'no target held twice');
    for (const [id, agent] of agents) {
      const node = { 'agent-a': 'r1', 'agent-b': 'r2', 'agent-c': 'r3' }[id]!;
      const paths = agent.agent
        .assignedWork()
        .filter((r) => !r.startsWith('target-'))
        .sort();
      assert.deepEqual(paths, [`path-${node}-1`, `path-${node}-2`, `path-${node}-3`, `walk-${node}-1`]);
      assert.ok(heldTargets(agent).length >= 1 && heldTargets(agent).length <= 8, `${id} holds ${heldTargets(agent).length} of 12 targets`);
    }
    const rows = await listAgents(admin.sqlClient, fleet);
    assert.deepEqual(
      rows.map((r) => [r.agentId, r.status, r.node, r.hostname]),
      [
        ['agent-a', 'up', 'r1', 'host-agent-a'],
        ['agent-b', 'up', 'r2', 'host-agent-b'],
        ['agent-c', 'up', 'r3', 'host-agent-c'],
      ],
    );
    assert.deepEqual(rows[0]!.interfaces[0]!.addresses, ['10.0.0.7/24', 'fd00::1/64']);
    assert.deepEqual(rows[0]!.capabilities.probeKinds, ['gre', 'icmp', 'tcp', 'udp']);
    assert.equal(rows[0]!.holdTimeMs, HOLD_MS);
    assert.ok(rows.every((r) => r.firstSeenMs <= r.lastSeenMs && r.heldWork >= 5));
    const leaders = [...agents.values()].filter((a) => a.agent.isLeader());
    assert.equal(leaders.length, 1, 'exactly one leader');
  });

  it('refuses a second live agent with the same id and leaves the first one untouched', async () => {
    const before = (await listAgents(admin.sqlClient, fleet)).find((r) => r.agentId === 'agent-a')!;
    const dup = await openAgent(schema, fleet, 'agent-a', 'r9', { identity: identity('agent-a', 'impostor') });
    try {
      await assert.rejects(dup.agent.start(), (error: unknown) => error instanceof FleetError && error.code === 'duplicate-agent' && /host-agent-a/.test(error.message));
      const now = (await listAgents(admin.sqlClient, fleet)).find((r) => r.agentId === 'agent-a')!;
      assert.equal(now.hostname, 'host-agent-a');
      assert.equal(now.node, 'r1');
      assert.equal(now.registeredAtMs, before.registeredAtMs);
      assert.ok(agents.get('agent-a')!.agent.assignedWork().includes('path-r1-1'), 'the first agent keeps its work');
    } finally {
      dup.agent.stopTimers();
      await dup.store.close();
    }
  });

  it("moves a killed agent's targets within one hold time, marks its paths unmonitored and lists it expired; it comes back and takes its work back", async () => {
    const b = agents.get('agent-b')!;
    const bTargets = heldTargets(b);
    assert.ok(bTargets.length > 0);
    const killedAt = performance.now();
    b.agent.stopTimers(); // SIGKILL: no more reports, nothing released
    const movedAfterMs = await waitFor("agent-b's targets held by a or c", 3 * HOLD_MS, () => {
      const others = [...agents.values()].filter((a) => a !== b).flatMap(heldTargets);
      return bTargets.every((t) => others.includes(t)) ? performance.now() - killedAt : null;
    });
    // Expired after its hold time; its work is claimed at the others' next report after that.
    assert.ok(movedAfterMs <= HOLD_MS + 2 * REPORT_MS, `moved after ${movedAfterMs.toFixed(0)} ms; expected within hold ${HOLD_MS} ms + a report`);
    const status = new Map((await workStatus(admin.sqlClient, fleet)).map((w) => [w.routeId, w]));
    for (const id of ['path-r2-1', 'path-r2-2', 'path-r2-3', 'walk-r2-1']) assert.equal(status.get(id)?.status, 'unmonitored', id);
    assert.equal(status.get('path-r1-1')?.status, 'assigned');
    assert.ok(TARGETS.every((t) => status.get(t)?.status === 'assigned' && status.get(t)?.holder !== 'agent-b'));
    const listed = (await listAgents(admin.sqlClient, fleet)).find((r) => r.agentId === 'agent-b')!;
    assert.equal(listed.status, 'expired');
    assert.ok(listed.silentForMs >= HOLD_MS);
    const a = agents.get('agent-a')!.agent.assignedWork();
    const c = agents.get('agent-c')!.agent.assignedWork();
    assert.equal(a.filter((id) => c.includes(id)).length, 0, 'no route held by two agents');

    // It restarts: same id, new process.
    const back = await openAgent(schema, fleet, 'agent-b', 'r2');
    agents.set('agent-b', back);
    stores.push(back.store);
    await back.agent.start();
    await waitFor('agent-b holds its paths and its targets again', 10 * REPORT_MS, () => back.agent.isAssigned('path-r2-1') && JSON.stringify(heldTargets(back)) === JSON.stringify(bTargets));
    const again = (await listAgents(admin.sqlClient, fleet)).find((r) => r.agentId === 'agent-b')!;
    assert.equal(again.status, 'up');
    assert.equal(again.firstSeenMs, listed.firstSeenMs, 'first seen is kept across the restart');
    assert.equal((await workStatus(admin.sqlClient, fleet)).find((w) => w.routeId === 'path-r2-1')?.status, 'assigned');
  });

  it('hands the leader lease to another agent within one hold time when the leader dies', async () => {
    const leader = [...agents.entries()].find(([, a]) => a.agent.isLeader());
    assert.ok(leader, 'a leader');
    const [leaderId, dead] = leader;
    const epochBefore = (await leases(admin.sqlClient, fleet))[0]!.epoch;
    const changes: boolean[] = [];
    const others = [...agents.entries()].filter(([id]) => id !== leaderId);
    for (const [, other] of others) other.agent.onLeadershipChange((now) => changes.push(now));
    const killedAt = performance.now();
    dead.agent.stopTimers();
    const tookOverMs = await waitFor('another leader', 3 * HOLD_MS, () => (others.some(([, o]) => o.agent.isLeader()) ? performance.now() - killedAt : null));
    assert.ok(tookOverMs <= HOLD_MS + REPORT_MS, `took over after ${tookOverMs.toFixed(0)} ms; expected within the hold time ${HOLD_MS} ms`);
    assert.equal(others.filter(([, o]) => o.agent.isLeader()).length, 1);
    assert.deepEqual(changes, [true]);
    const lease = (await leases(admin.sqlClient, fleet))[0]!;
    assert.equal(lease.epoch, epochBefore + 1);
    assert.notEqual(lease.holder, leaderId);
    // The dead leader's own view runs out too: it would stop acting even if it were only cut off.
    await waitFor('the old leader steps down on its own clock', HOLD_MS, () => !dead.agent.isLeader());
  });
});

describe('fleet refusals and warnings', { skip }, () => {
  const schema = uniqueSchemaName('pmfleet');
  const opened: TestAgent[] = [];
  after(async () => {
    for (const { agent, store } of opened) {
      await agent.close();
      await store.close().catch(() => undefined);
    }
    await dropSchema(schema);
  });

  it("warns, with the offset, about an agent whose clock is 10 minutes ahead, and still expires it by the server's clock", async () => {
    const skewed = await openAgent(schema, 'skew', 'agent-skew', 'r1', { clock: { nowMs: () => Date.now() + 600_000, monotonicMs: () => performance.now() } });
    opened.push(skewed);
    await skewed.agent.start();
    const warning = skewed.logs.lines.find((l) => l.startsWith('warn') && l.includes('clock'));
    assert.ok(warning, `a clock warning in ${JSON.stringify(skewed.logs.lines)}`);
    assert.match(warning, /600\.0 s ahead of the database server/);
    const row = (await listAgents(skewed.store.sqlClient, 'skew'))[0]!;
    assert.ok(Math.abs(row.clockSkewMs - 600_000) < 1000, `skew ${row.clockSkewMs} ms recorded`);
    assert.equal(row.status, 'up');
    skewed.agent.stopTimers();
    await waitFor('the skewed agent expires by the server clock', 3 * HOLD_MS, async () => (await listAgents(skewed.store.sqlClient, 'skew'))[0]!.status === 'expired');
  });

  it('refuses an agent whose pathmon is older than the database schema, registering nothing', async () => {
    const old = await openAgent(schema, 'old', 'agent-old', 'r1', { schemaVersion: 6 });
    opened.push(old);
    await assert.rejects(
      old.agent.start(),
      (error: unknown) => error instanceof FleetError && error.code === 'schema-too-old' && /knows schema version 6/.test(error.message) && /upgrade pathmon/.test(error.message),
    );
    assert.equal((await listAgents(old.store.sqlClient, 'old')).length, 0);
  });

  it('refuses an embedded PGlite store with a clear error', async () => {
    const { log } = logged();
    await assert.rejects(
      startFleetAgent({
        fleet: { name: 'x' },
        proberNode: 'r1',
        targetGroups: [],
        work: () => [],
        log,
        store: { backend: 'pglite', sqlClient: null as never, description: 'pglite:/tmp/x' },
      }),
      (error: unknown) => error instanceof FleetError && error.code === 'not-a-server' && /PostgreSQL server/.test(error.message),
    );
  });

  it('refuses a login that is not the configured fleet.role', async () => {
    const wrong = await openAgent(schema, 'role', 'agent-role', 'r1', { role: 'pathmon_agent_nobody' });
    opened.push(wrong);
    await assert.rejects(wrong.agent.start(), (error: unknown) => error instanceof FleetError && error.code === 'wrong-role' && /pathmon_agent_nobody/.test(error.message));
  });
});
