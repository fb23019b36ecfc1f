/**
 * The built `pathmon agents` and `pathmon fleet create-role` against the real server: the agents of a
 * per-run schema listed with hostname, id, addresses, node, capabilities, version, first/last seen and
 * status (an expired one shown as EXPIRED, its paths as unmonitored), the same as JSON, and a role made
 * by create-role that can log in and report while it cannot delete agent rows.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listAgents } from '../../../src/fleet/index.js';
import { dropSchema, pgSkipReason, testPgUrl, uniqueSchemaName } from '../../helpers/test-postgres.js';
import { execFile } from 'node:child_process';
import { cliPath } from '../../helpers/cli.js';
import { repoRoot } from '../../helpers/repo-root.js';
import { adminQuery, HOLD_MS, openAgent, roleClient, uniqueRoleName, waitFor, type TestAgent } from './fleet-fixtures.js';

const skip = await pgSkipReason();

/** The built CLI, without blocking this process (the in-process agents must keep reporting meanwhile). */
function runCli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { cwd: repoRoot, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('pathmon agents and pathmon fleet create-role', { skip }, () => {
  const schema = uniqueSchemaName('pmfleet');
  const role = uniqueRoleName();
  const dir = mkdtempSync(join(tmpdir(), 'pathmon-agents-'));
  const config = join(dir, 'monitor.yaml');
  const agents: TestAgent[] = [];

  before(async () => {
    writeFileSync(
      config,
      `topology: ${join(repoRoot, 'lab', 'topologies', 'nanog76.yaml')}
prober: { node: dev1 }
groups: [ { name: lab, endpoints: [dev2] } ]
storage: { url: "${testPgUrl}", schema: ${schema} }
fleet: { name: lab }
`,
    );
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
    rmSync(dir, { recursive: true, force: true });
    await dropSchema(schema);
    await adminQuery(`DROP OWNED BY ${role}`).catch(() => undefined);
    await adminQuery(`DROP ROLE IF EXISTS ${role}`);
  });

  it('lists the agents with their identity and status, and the unmonitored paths of the expired one', async () => {
    const run = await runCli(['agents', '--config', config]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /fleet lab: 1 of 2 agent\(s\) up, leader agent-a/);
    assert.match(run.stdout, /hostname\s+agent id\s+addresses\s+node\s+capabilities\s+version\s+first seen\s+last seen\s+status/);
    assert.match(run.stdout, /host-agent-a\s+agent-a\s+eth0 10\.0\.0\.7\/24 fd00::1\/64\s+r1\s+gre\/icmp\/tcp\/udp raw kernel-ts\s+0\.1\.0-test\s+20\d\d-/);
    assert.match(run.stdout, /host-agent-b .* EXPIRED/);
    assert.match(run.stdout, /unmonitored \(no live agent can run them; never DOWN, no ticket\): path-r2-1 path-r2-2 path-r2-3 walk-r2-1/);
  });

  it('prints the same as JSON', async () => {
    const run = await runCli(['agents', '--config', config, '--json']);
    assert.equal(run.status, 0, run.stderr);
    const json = JSON.parse(run.stdout) as { agents: { agentId: string; status: string; firstSeenMs: number }[]; work: { unmonitored: number; assigned: number }[] };
    assert.deepEqual(
      json.agents.map((a) => [a.agentId, a.status]),
      [
        ['agent-a', 'up'],
        ['agent-b', 'expired'],
      ],
    );
    assert.equal(json.work[0]!.unmonitored, 4);
    assert.equal(json.work[0]!.assigned, 4 + 12);
  });

  it('create-role makes a role that can report as an agent and cannot delete agents', async () => {
    const run = await runCli(['fleet', 'create-role', role, '--config', config]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`role ${role} can now run a fleet agent`));
    const client = roleClient(role, schema);
    try {
      assert.equal((await listAgents(client, 'lab')).length, 2);
      await assert.rejects(client.query('DELETE FROM fleet_agents'), (e: { code?: string }) => e.code === '42501');
    } finally {
      await client.close();
    }
    const bad = await runCli(['fleet', 'create-role', 'Robert"); DROP', '--config', config]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /role "Robert\\"\); DROP" is not valid; expected 1 to 63 lower-case letters/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
  });
});
