/**
 * The fleet's one localizer and incident desk, on the real PostgreSQL server with real fleet agents
 * (registration, work leases, the leader lease) and the real outcome exchange and fleet evaluator. The
 * rounds are made by hand from the nanog76 cover plans of dev1 and dev2, so a test says which directed
 * link is broken and every walk crossing it loses all its probes.
 *
 * Three agents: `lead` stands on no node of the plan and probes nothing (it starts first, so it takes
 * the leader lease); `a` probes dev1's cover walks and `b` dev2's. What an operator would check:
 *  - one broken link crossed by both agents' walks: one incident, decided by the leader from the two
 *    agents' published rounds (it measured nothing itself), none by the agents that probed it;
 *  - the leader killed while the incident is open: another agent leads within the hold time, resumes
 *    the same incident from the store and resolves it when the link heals: one incident row, one
 *    'opened' and one 'resolved' notification queued for it, nothing opened twice.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { planLinkCover, type Walk } from '../../../topology/index.js';
import { StaticTopologySource } from '../../../src/live/index.js';
import { FleetEvaluator, FleetOutcomeExchange, followLeadership, type WorkItem } from '../../../src/fleet/index.js';
import { emptyFindings, type RouteOutcome } from '../../../src/monitor/index.js';
import type { IncidentChange } from '../../../src/incidents/index.js';
import { openStore, type SqlStore } from '../../../src/store/index.js';
import { dropSchema, pgSkipReason, testPgUrl, uniqueSchemaName } from '../../helpers/test-postgres.js';
import { HOLD_MS, openAgent, waitFor, type TestAgent } from './fleet-fixtures.js';
import { repoRoot } from '../../helpers/repo-root.js';

const skip = await pgSkipReason();
const FLEET = 'evaluation';
const T0 = 1_800_000_000_000;
const INTERVAL_MS = 10_000;
const HYSTERESIS = 2;
const topologyFile = join(repoRoot, 'lab/topologies/nanog76.yaml');

interface SimulatedAgent extends TestAgent {
  id: string;
  walks: Walk[];
  exchange: FleetOutcomeExchange;
  evaluator: FleetEvaluator;
  /** Every incident change this agent's evaluator made. */
  changes: IncidentChange[];
  stopFollowing: () => void;
}

describe("fleet evaluation: one localizer and incident desk on the leader, over every agent's rounds", { skip }, () => {
  const schema = uniqueSchemaName('pmfleval');
  const source = new StaticTopologySource(topologyFile);
  const plans = new Map(['dev1', 'dev2'].map((node) => [node, planLinkCover(source.graph, { prober: node, coverage: 2, maxHops: 16 })]));
  const agents = new Map<string, SimulatedAgent>();
  let admin: SqlStore;
  let atMs = T0;

  async function simulated(id: string, node: string): Promise<SimulatedAgent> {
    const walks = plans.get(node)?.walks ?? [];
    const work = walks.map((walk): WorkItem => ({ routeId: walk.id, kind: 'walk', sourceNode: node, targetGroup: null, probeKind: 'gre' }));
    const base = await openAgent(schema, FLEET, id, node, { work: () => work });
    const exchange = new FleetOutcomeExchange({ client: base.store.sqlClient, fleet: FLEET, agentId: id, intervalMs: INTERVAL_MS, log: base.logs.log });
    const evaluator = new FleetEvaluator({
      graph: () => source.graph,
      groups: () => plans.get(node)?.groups ?? [],
      paths: () => [],
      thresholds: { lossPct: 2, addedDelayMs: 1 },
      hysteresisRounds: HYSTERESIS,
      leads: () => base.agent.isLeader(),
      peers: () => exchange.peers(),
      holds: (routeId) => base.agent.isAssigned(routeId),
      localize: true,
    });
    await base.agent.start();
    const following = followLeadership({
      fleet: base.agent,
      evaluator,
      refreshPeers: () => exchange.refresh(),
      openIncidents: () => base.store.openIncidents(),
      resumeIncidents: (open) => evaluator.resume(open),
      deliver: async () => undefined,
      log: base.logs.log,
    });
    const agent: SimulatedAgent = { ...base, id, walks, exchange, evaluator, changes: [], stopFollowing: following.stop };
    agents.set(id, agent);
    return agent;
  }

  /** One round of one agent: its held walks probed (those crossing a broken direction lose every probe), evaluated, changes stored, published. */
  async function round(agent: SimulatedAgent, broken: ReadonlySet<string>): Promise<IncidentChange[]> {
    const routes: RouteOutcome[] = agent.walks
      .filter((walk) => agent.agent.isAssigned(walk.id))
      .map((walk) => {
        const lost = walk.links.some((link) => broken.has(link.key));
        const p50 = 2 + walk.links.length * 0.1;
        return {
          kind: 'walk',
          id: walk.id,
          group: null,
          linkKeys: walk.links.map((link) => link.key),
          stats: {
            sent: 20,
            received: lost ? 0 : 20,
            lossPct: lost ? 100 : 0,
            late: 0,
            duplicates: 0,
            rttMs: lost ? null : { min: p50 - 0.2, avg: p50, max: p50 + 0.3, p50, p95: p50 + 0.2, p99: p50 + 0.3 },
            jitterMs: lost ? null : 0.05,
          },
        };
      });
    const outcome = { atMs, routes };
    const findings = emptyFindings();
    agent.evaluator.evaluate(outcome, findings);
    for (const change of findings.incidentChanges) await agent.store.recordIncidentChange(change, { channels: ['freshdesk'], atMs });
    agent.changes.push(...findings.incidentChanges);
    agent.exchange.afterRound({ outcome, transitions: findings.transitions, paths: [] });
    await agent.exchange.settled();
    return findings.incidentChanges;
  }

  /** A round of every running agent, in order, one interval after the last. */
  async function fleetRounds(n: number, broken: ReadonlySet<string>, running: SimulatedAgent[]): Promise<void> {
    for (let i = 0; i < n; i++) {
      atMs += INTERVAL_MS;
      for (const agent of running) await round(agent, broken);
    }
  }

  const linkKey = (from: string, to: string) => source.graph.links().find((link) => source.graph.node(link.from).name === from && source.graph.node(link.to).name === to)!.key;

  before(async () => {
    if (skip) return;
    admin = await openStore(testPgUrl, { schema });
    await simulated('lead', 'nowhere');
    await waitFor('lead holds the leader lease', 10_000, () => agents.get('lead')!.agent.isLeader());
    await simulated('a', 'dev1');
    await simulated('b', 'dev2');
    await waitFor('a and b hold their walks', 10_000, () => ['a', 'b'].every((id) => agents.get(id)!.walks.every((walk) => agents.get(id)!.agent.isAssigned(walk.id))));
    await waitFor("the leader's desk resumed", 10_000, () => agents.get('lead')!.evaluator.evaluating);
  });

  after(async () => {
    for (const agent of agents.values()) {
      agent.stopFollowing();
      await agent.exchange.close();
      await agent.agent.close();
      await agent.store.close();
    }
    await admin?.close();
    if (!skip) await dropSchema(schema);
  });

  test('the plans: both agents have walks across R4→R6, the leader has none', () => {
    const key = linkKey('R4', 'R6');
    for (const id of ['a', 'b'])
      assert.ok(
        agents.get(id)!.walks.some((walk) => walk.links.some((link) => link.key === key)),
        `${id} has a walk over R4→R6`,
      );
    assert.equal(agents.get('lead')!.walks.length, 0);
    assert.ok(!agents.get('a')!.walks.some((walk) => agents.get('b')!.walks.some((other) => other.id === walk.id)), 'no walk id in both plans');
  });

  test('R4→R6 down, seen by the walks of a and b: one incident, opened by the leader from their rounds; a and b open none', async () => {
    const running = ['lead', 'a', 'b'].map((id) => agents.get(id)!);
    await fleetRounds(4, new Set(), running);
    assert.deepEqual(
      running.flatMap((agent) => agent.changes),
      [],
      'a healthy fleet opens nothing',
    );
    await fleetRounds(2 * HYSTERESIS + 1, new Set([linkKey('R4', 'R6')]), running);

    assert.deepEqual(agents.get('a')!.changes, [], 'a (not leading) opens nothing');
    assert.deepEqual(agents.get('b')!.changes, [], 'b (not leading) opens nothing');
    const opened = agents.get('lead')!.changes.filter((change) => change.change === 'opened');
    assert.equal(opened.length, 1, opened.map((change) => change.incident.summary).join(' | '));
    const incident = opened[0]!.incident;
    assert.equal(incident.subject.kind, 'link');
    assert.ok(incident.subject.kind === 'link' && incident.subject.label.includes('R4') && incident.subject.label.includes('R6'), incident.subject.kind === 'link' ? incident.subject.label : '');
    const walkIds = (id: string) => new Set(agents.get(id)!.walks.map((walk) => walk.id));
    assert.ok(
      incident.evidenceRoutes.some((route) => walkIds('a').has(route)) && incident.evidenceRoutes.some((route) => walkIds('b').has(route)),
      `evidence from both agents' walks: ${incident.evidenceRoutes.join(', ')}`,
    );
    const open = await admin.openIncidents();
    assert.deepEqual(
      open.map((i) => i.id),
      [incident.id],
      'one open incident in the store',
    );
  });

  test('the leader killed while the incident is open: a new leader within the hold time resumes it and resolves the same incident', async () => {
    const lead = agents.get('lead')!;
    const [open] = await admin.openIncidents();
    assert.ok(open, 'the incident of the test before is open');
    const killedAt = performance.now();
    lead.agent.stopTimers();
    lead.stopFollowing();
    await lead.exchange.close();
    const survivors = ['a', 'b'].map((id) => agents.get(id)!);
    const next = await waitFor('a new leader', 4 * HOLD_MS, () => survivors.find((agent) => agent.agent.isLeader()));
    assert.ok(performance.now() - killedAt <= HOLD_MS + 1000, `took over ${Math.round(performance.now() - killedAt)} ms after the kill; hold time ${HOLD_MS} ms`);
    await waitFor(`${next.id} resumed the open incidents`, 10_000, () => next.evaluator.evaluating);

    // Still broken: the new leader keeps the incident as it is (no second one).
    await fleetRounds(2, new Set([linkKey('R4', 'R6')]), survivors);
    assert.deepEqual(
      next.changes.filter((change) => change.change === 'opened'),
      [],
      'nothing opened again',
    );
    await fleetRounds(2 * HYSTERESIS + 1, new Set(), survivors);
    const resolved = next.changes.filter((change) => change.change === 'resolved');
    assert.deepEqual(
      resolved.map((change) => change.incident.id),
      [open.id],
      'the same incident resolved by the new leader',
    );
    const follower = survivors.find((agent) => agent !== next)!;
    assert.deepEqual(follower.changes, [], `${follower.id} (not leading) changed nothing`);

    assert.deepEqual(await admin.openIncidents(), []);
    const { rows: incidents } = await admin.sqlClient.query<{ id: string; state: string }>('SELECT id, state FROM incidents ORDER BY id');
    assert.deepEqual(incidents, [{ id: open.id, state: 'resolved' }], 'one incident row, resolved');
    const { rows: outbox } = await admin.sqlClient.query<{ incident_id: string; change: string }>(
      "SELECT incident_id, change->>'change' AS change FROM outbox WHERE channel = 'freshdesk' AND change->>'change' IN ('opened', 'resolved') ORDER BY id",
    );
    assert.deepEqual(
      outbox,
      [
        { incident_id: open.id, change: 'opened' },
        { incident_id: open.id, change: 'resolved' },
      ],
      'one ticket opened and the same one resolved',
    );
  });
});
