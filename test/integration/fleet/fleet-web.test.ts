/**
 * The fleet's views over the real server: `GET /api/agents` (what the agents page reads), the agents
 * page itself among the dashboard's files, and the per-agent /metrics families, with one agent up and
 * one expired.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { listAgents, registerAgentMetrics } from '../../../src/fleet/index.js';
import { agentList } from '../../../src/web/agents-api.js';
import { loadStaticFiles } from '../../../src/web/static-files.js';
import { ApiInputError } from '../../../src/web/web-error.js';
import { dropSchema, pgSkipReason, uniqueSchemaName } from '../../helpers/test-postgres.js';
import { HOLD_MS, openAgent, waitFor, type TestAgent } from './fleet-fixtures.js';

const skip = await pgSkipReason();

describe('the fleet on the dashboard API and /metrics', { skip }, () => {
  const schema = uniqueSchemaName('pmfleet');
  const agents: TestAgent[] = [];

  before(async () => {
    for (const [id, node] of [
      ['agent-a', 'r1'],
      ['agent-b', 'r2'],
    ] as const) {
      const agent = await openAgent(schema, 'lab', id, node);
      agents.push(agent);
      await agent.agent.start();
    }
    agents[1]!.agent.stopTimers();
    await waitFor('agent-b expired', 3 * HOLD_MS, async () => (await listAgents(agents[0]!.store.sqlClient, 'lab')).find((a) => a.agentId === 'agent-b')?.status === 'expired');
    await waitFor('agent-a holds its 4 routes and all 12 targets', 3 * HOLD_MS, () => agents[0]!.agent.assignedWork().length === 16);
  });

  after(async () => {
    for (const { agent, store } of agents) {
      await agent.close();
      await store.close().catch(() => undefined);
    }
    await dropSchema(schema);
  });

  it('GET /api/agents lists every agent with its status, the leader and the unmonitored routes', async () => {
    const body = (await agentList({ view: { store: agents[0]!.store }, clock: () => 1 }, new URLSearchParams())) as {
      available: boolean;
      agents: { agentId: string; status: string; hostname: string; interfaces: unknown[] }[];
      leases: { holder: string }[];
      work: { unmonitoredIds: string[] }[];
    };
    assert.equal(body.available, true);
    assert.deepEqual(
      body.agents.map((a) => [a.agentId, a.status, a.hostname]),
      [
        ['agent-a', 'up', 'host-agent-a'],
        ['agent-b', 'expired', 'host-agent-b'],
      ],
    );
    assert.equal(body.leases[0]!.holder, 'agent-a');
    assert.deepEqual(body.work[0]!.unmonitoredIds, ['path-r2-1', 'path-r2-2', 'path-r2-3', 'walk-r2-1']);
    const none = (await agentList({ view: { store: {} }, clock: () => 1 }, new URLSearchParams())) as { available: boolean };
    assert.equal(none.available, false);
    await assert.rejects(agentList({ view: { store: agents[0]!.store }, clock: () => 1 }, new URLSearchParams('fleet=%27;drop')), ApiInputError);
  });

  it('serves the agents page and its script', () => {
    const files = loadStaticFiles();
    assert.match(files.get('/agents')!.body.toString(), /<script type="module" src="\/agents-page.js">/);
    assert.match(files.get('/agents-page.js')!.body.toString(), /\/api\/agents/);
  });

  it('exports pathmon_agent_up per agent, routes by status and the leader', async () => {
    const registry = new Registry();
    registerAgentMetrics(registry, () => agents[0]!.store.sqlClient);
    const text = await registry.metrics();
    assert.match(text, /pathmon_agent_up\{fleet="lab",agent="agent-a",hostname="host-agent-a",node="r1"\} 1/);
    assert.match(text, /pathmon_agent_up\{fleet="lab",agent="agent-b",hostname="host-agent-b",node="r2"\} 0/);
    assert.match(text, /pathmon_fleet_routes\{fleet="lab",status="unmonitored"\} 4/);
    assert.match(text, /pathmon_fleet_leader\{fleet="lab",agent="agent-a",epoch="\d+"\} 1/);
    assert.match(text, /pathmon_agent_routes\{fleet="lab",agent="agent-a",hostname="host-agent-a",node="r1"\} 16/);
    const empty = new Registry();
    registerAgentMetrics(empty, () => null);
    assert.doesNotMatch(await empty.metrics(), /pathmon_agent_up\{/);
  });
});
