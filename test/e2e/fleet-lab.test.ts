/**
 * A fleet of three real `pathmon run` agents in the nanog76 lab, sharing one schema of the machine's
 * PostgreSQL server, with tickets to the fake Freshdesk and mail to the SMTP sink. What an operator
 * would check:
 * - the three agents register (with the addresses of the namespace they run in) and share the work:
 *   every ICMP target (the 18 router interface addresses) is held by the one agent rendezvous hashing
 *   picks and probed by it alone, every GRE path by an agent standing on its source node;
 * - one agent SIGKILLed: its targets are held by the others within the hold time plus a few reports and
 *   get rounds again, its own paths are unmonitored (no DOWN, no ticket), it is listed expired; started
 *   again with the same id it re-registers with the same first-seen time and takes its targets back;
 * - the leader SIGKILLed while a target's incident is open (ICMP to it dropped at its router): another
 *   agent leads within the hold time, and the incident's resolution goes to the same ticket: one ticket,
 *   one "opened" and one "resolved" mail, none lost, none twice.
 *
 * nanog76 has two hosts (dev1 on R1, dev2 on R6), so two agents run in dev1 with distinct
 * `fleet.agentId`s and one in dev2: the dev1 pair share the paths from dev1, which is also why the agent
 * killed for the "unmonitored" check is dev2's (no other agent stands on dev2). Every agent sets its id:
 * the namespaces share the host's /etc/machine-id, the default id.
 *
 * A second lab runs two agents with cover walks, one per host: a link under both agents' walks is one
 * incident and one ticket, decided by the leader from both agents' rounds, and the leader's successor
 * resolves that same ticket.
 *
 * The results tables do not record which agent made a round, so "probed by one agent" is checked as the
 * work table's holder plus the round rate: two agents probing one target would store about two rounds
 * per interval.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYamlTopology } from '../../topology/index.js';
import { runCli, uniqueLabName } from '../helpers/cli.js';
import { repoRoot } from '../helpers/repo-root.js';
import { pgUnreachableReason, testPgUrl, uniqueSchemaName } from '../helpers/test-postgres.js';
import { namespaceName } from '../../lab/lab-plan.js';
import { leases, listAgents, preferredAgent, workStatus, type AgentRow, type WorkRow } from '../../src/fleet/index.js';
import { targetRouteId } from '../../src/targets/index.js';
import { FleetLabRig } from './support/fleet-lab-rig.js';

const lab = uniqueLabName();
const schema = uniqueSchemaName('pmflab');
const fleet = 'lab';
const topologyFile = 'lab/topologies/nanog76.yaml';
const intervalMs = 1500;
const HOLD_MS = 6000;
const REPORT_MS = 1500;
const targetGroup = 'routers';
const apiKey = `fd-fleet-${process.pid}-secret-key`;
const needsRoot = process.getuid?.() !== 0 ? 'the lab needs root (network namespaces, raw sockets, nftables)' : false;
const pgReason = needsRoot ? null : await pgUnreachableReason();
const skip = needsRoot || (pgReason ? `${pgReason}` : false);

const spec = parseYamlTopology(readFileSync(join(repoRoot, topologyFile), 'utf8'), topologyFile).spec;
const routerNames = new Set(spec.routers.map((router) => router.name));
/** Every router interface address (router links and the routers' ends of host links), with the router that owns it. */
const routerAddresses = spec.links
  .flatMap((link) => [
    { router: link.a, address: link.aAddress.split('/')[0]! },
    { router: link.b, address: link.bAddress.split('/')[0]! },
  ])
  .filter((entry) => routerNames.has(entry.router));
const targets = routerAddresses.map((entry) => ({ ...entry, id: targetRouteId(targetGroup, 'icmp', entry.address, null) }));
const hostAddress = (host: string) => spec.links.find((link) => link.a === host)!.aAddress.split('/')[0]!;

async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('a fleet of three pathmon run agents in the nanog76 lab', { skip }, () => {
  const rig: FleetLabRig = new FleetLabRig({ lab, schema, topologyFile, apiKey, configFor: (...args) => configFor(...args) });
  const agents = rig.agents;

  const allLogs = () => [...agents.values()].map((agent) => `--- ${agent.spec.agentId} ---\n${agent.log}`).join('\n');
  const alive = () => {
    for (const agent of agents.values()) if (agent.running) agent.assertAlive();
  };
  const agentRows = async (): Promise<Map<string, AgentRow>> => new Map((await listAgents(rig.admin.sqlClient, fleet)).map((row) => [row.agentId, row]));
  const work = async (): Promise<Map<string, WorkRow>> => new Map((await workStatus(rig.admin.sqlClient, fleet)).map((row) => [row.routeId, row]));
  const leader = async () => (await leases(rig.admin.sqlClient, fleet)).find((lease) => lease.name === 'leader' && lease.live) ?? null;

  const outboxRows = async () =>
    (
      await rig.admin.sqlClient.query<{ id: unknown; channel: string; state: string; change: string; attempts: unknown; delivered_at_ms: unknown }>(
        "SELECT id, channel, state, change->>'change' AS change, attempts, delivered_at_ms FROM outbox ORDER BY id",
      )
    ).rows;

  /** Rounds of a route stored with a start in [sinceMs, untilMs). */
  async function roundsOf(routeId: string, sinceMs: number, untilMs = Number.MAX_SAFE_INTEGER): Promise<number> {
    const { rows } = await rig.admin.sqlClient.query<{ n: unknown }>('SELECT count(*) AS n FROM round_results WHERE path_id = $1 AND round_at_ms >= $2 AND round_at_ms < $3', [
      routeId,
      sinceMs,
      untilMs,
    ]);
    return Number(rows[0]!.n);
  }

  /** The agent rendezvous hashing gives each target among the agents listed up now. */
  async function expectedHolders(): Promise<Map<string, string>> {
    const live = [...(await agentRows()).values()]
      .filter((row) => row.status === 'up')
      .map((row) => ({ agentId: row.agentId, node: row.node, targetGroups: row.targetGroups, probeKinds: row.capabilities.probeKinds }));
    return new Map(targets.map((target) => [target.id, preferredAgent({ routeId: target.id, kind: 'target', sourceNode: null, targetGroup, probeKind: 'icmp' }, live) ?? '(none)']));
  }

  /** Waits until every target is held by the agent rendezvous picks among the live ones; returns the holders. */
  async function settled(what: string, timeoutMs = 4 * HOLD_MS): Promise<Map<string, string>> {
    return waitFor(
      what,
      async () => {
        alive();
        const expected = await expectedHolders();
        const now = await work();
        // Paths settle too: two agents stand on dev1, so a dev1 path may be moving between them while they join.
        const pathsHeld = [...now.values()].filter((w) => w.kind === 'path' && w.status !== 'unmonitored').every((w) => w.status === 'assigned');
        return pathsHeld && targets.every((t) => now.get(t.id)?.status === 'assigned' && now.get(t.id)?.holder === expected.get(t.id)) ? expected : null;
      },
      timeoutMs,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${allLogs()}`);
    });
  }

  function nft(router: string, script: string): void {
    const run = spawnSync('ip', ['netns', 'exec', namespaceName(lab, router), 'nft', '-f', '-'], { input: script, encoding: 'utf8', timeout: 20_000 });
    assert.equal(run.status, 0, `nft in ${router} failed: ${run.stderr}\n${script}`);
  }

  const configFor = (agentId: string, node: string, peer: string, freshdeskPort: number) => `topology: ${join(repoRoot, topologyFile)}
prober: { node: ${node} }
probing: { intervalMs: ${intervalMs}, probesPerRound: 5, probeSpacingMs: 20, timeoutMs: 600 }
thresholds: { delayMs: 500, lossPct: 50 }
hysteresisRounds: 2
localize: { enabled: false }
groups: [ { name: from-${node}, endpoints: [${peer}] } ]
targets:
  - { name: ${targetGroup}, kind: icmp, targets: [${targets.map((t) => t.address).join(', ')}] }
storage: { url: "${testPgUrl}", schema: ${schema} }
fleet: { name: ${fleet}, agentId: ${agentId}, holdTimeMs: ${HOLD_MS}, reportIntervalMs: ${REPORT_MS} }
notifiers:
  freshdesk: { baseUrl: "http://127.0.0.1:${freshdeskPort}", apiKey: { env: PATHMON_E2E_FD_KEY }, requesterEmail: noc@example.net, maxRetries: 1 }
  email: { host: 127.0.0.1, port: ${rig.smtp.port}, tls: none, from: pathmon@example.net, to: [noc@example.net] }
`;

  before(async () => {
    await rig.up([
      ['dev1-a', 'dev1', 'dev2'],
      ['dev1-b', 'dev1', 'dev2'],
      ['dev2-a', 'dev2', 'dev1'],
    ]);
  });

  after(async () => {
    await rig.down();
  });

  test('three agents register from their namespaces, share the targets by rendezvous and probe each once', async () => {
    const rows = await waitFor(
      'three agents up',
      async () => {
        alive();
        const now = await agentRows();
        return [...now.values()].filter((row) => row.status === 'up').length === 3 ? now : null;
      },
      120_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${allLogs()}`);
    });
    for (const agent of agents.values()) {
      const row = rows.get(agent.spec.agentId)!;
      assert.equal(row.node, agent.spec.node, `${row.agentId} stands on its host`);
      assert.equal(row.holdTimeMs, HOLD_MS);
      assert.equal(row.reportIntervalMs, REPORT_MS);
      assert.ok(row.capabilities.probeKinds.includes('icmp') && row.capabilities.probeKinds.includes('gre'), JSON.stringify(row.capabilities));
      const addresses = row.interfaces.flatMap((i) => i.addresses.map((a) => a.split('/')[0]));
      assert.ok(addresses.includes(hostAddress(agent.spec.node)), `${row.agentId} registered its namespace's address ${hostAddress(agent.spec.node)}: ${addresses.join(', ')}`);
    }
    const cli = runCli(['agents', '--json', '--config', agents.get('dev1-a')!.configFile]);
    assert.equal(cli.status, 0, cli.stderr);
    const listed = JSON.parse(cli.stdout) as { agents: { agentId: string; status: string }[] };
    assert.deepEqual(listed.agents.map((a) => `${a.agentId}:${a.status}`).sort(), ['dev1-a:up', 'dev1-b:up', 'dev2-a:up']);

    const holders = await settled('every target held by its rendezvous agent');
    assert.ok(new Set(holders.values()).size >= 2, `targets spread over the agents: ${[...holders.values()].join(', ')}`);
    const routes = await work();
    const paths = [...routes.values()].filter((w) => w.kind === 'path');
    assert.ok(paths.some((p) => p.sourceNode === 'dev1') && paths.some((p) => p.sourceNode === 'dev2'), 'paths from both hosts published');
    for (const path of paths) {
      assert.equal(path.status, 'assigned', path.routeId);
      assert.equal(rows.get(path.holder!)!.node, path.sourceNode, `${path.routeId} held by an agent on ${path.sourceNode}`);
    }

    // One agent per target: over 8 intervals, one prober stores about 8 rounds, two would store about 16.
    const sinceMs = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 8 * intervalMs + 500));
    const untilMs = sinceMs + 8 * intervalMs;
    for (const target of targets) {
      const rounds = await roundsOf(target.id, sinceMs, untilMs);
      assert.ok(rounds >= 5 && rounds <= 9, `${target.address} (held by ${holders.get(target.id)}): ${rounds} rounds in 8 intervals; expected one prober's 8`);
    }
    for (const path of paths) {
      const rounds = await roundsOf(path.routeId, sinceMs, untilMs);
      assert.ok(rounds >= 5 && rounds <= 9, `path ${path.routeId} (held by ${path.holder}): ${rounds} rounds in 8 intervals`);
    }
    assert.equal(rig.freshdesk.tickets.length, 0, `no ticket while everything is up: ${rig.freshdesk.tickets.map((t) => t.subject).join(' | ')}`);
  });

  test("SIGKILL of dev2's agent: its targets move and get rounds, its paths are unmonitored, it is expired; restarted it takes them back", async (t) => {
    const dev2 = agents.get('dev2-a')!;
    const before = await work();
    const firstSeenMs = (await agentRows()).get('dev2-a')!.firstSeenMs;
    const itsTargets = targets.filter((t) => before.get(t.id)?.holder === 'dev2-a');
    const itsPaths = [...before.values()].filter((w) => w.kind === 'path' && w.sourceNode === 'dev2').map((w) => w.routeId);
    assert.ok(itsTargets.length > 0, 'dev2-a holds some targets');
    assert.ok(itsPaths.length > 0, 'dev2-a has paths of its own');

    const killedAtMs = Date.now();
    await dev2.kill();
    const movedAtMs = await waitFor(
      "dev2-a's targets held by the dev1 agents",
      async () => {
        alive();
        const now = await work();
        return itsTargets.every((t) => now.get(t.id)?.status === 'assigned' && ['dev1-a', 'dev1-b'].includes(now.get(t.id)!.holder!)) ? Date.now() : null;
      },
      6 * HOLD_MS,
    );
    t.diagnostic(`${itsTargets.length} target(s) of dev2-a held by the dev1 agents ${movedAtMs - killedAtMs} ms after SIGKILL (hold time ${HOLD_MS} ms)`);
    assert.ok(movedAtMs - killedAtMs <= HOLD_MS + 3 * REPORT_MS, `moved ${movedAtMs - killedAtMs} ms after the kill; expected within hold ${HOLD_MS} ms + 3 reports`);
    await waitFor(
      'rounds of every moved target after the move',
      async () => {
        for (const target of itsTargets) if ((await roundsOf(target.id, movedAtMs)) < 2) return false;
        return true;
      },
      10 * intervalMs,
    );

    const now = await work();
    for (const id of itsPaths) assert.equal(now.get(id)?.status, 'unmonitored', `${id} from dev2`);
    const row = (await agentRows()).get('dev2-a')!;
    assert.equal(row.status, 'expired');
    const cli = runCli(['agents', '--json', '--config', agents.get('dev1-a')!.configFile]);
    assert.equal(cli.status, 0, cli.stderr);
    const listed = JSON.parse(cli.stdout) as { agents: { agentId: string; status: string }[]; work: { unmonitored: number }[] };
    assert.equal(listed.agents.find((a) => a.agentId === 'dev2-a')?.status, 'expired');
    assert.equal(listed.work[0]!.unmonitored, itsPaths.length);
    // A few more rounds: nothing about the unmonitored paths goes DOWN, no ticket, no mail.
    await new Promise((resolve) => setTimeout(resolve, 3 * intervalMs));
    const downs = (await rig.admin.transitions(null, killedAtMs)).filter((t) => itsPaths.includes(t.pathId) && t.to !== 'UP');
    assert.deepEqual(
      downs.map((t) => `${t.pathId} ${t.from}->${t.to}`),
      [],
      'no transition for the unmonitored paths',
    );
    assert.equal(rig.freshdesk.tickets.length, 0, `no ticket: ${rig.freshdesk.tickets.map((t) => t.subject).join(' | ')}`);
    assert.equal(rig.smtp.messages.length, 0, `no mail: ${rig.smtp.messages.map((m) => m.subject).join(' | ')}`);

    const restartedAtMs = Date.now();
    dev2.start();
    await waitFor(
      'dev2-a registered again',
      async () => {
        alive();
        const row = (await agentRows()).get('dev2-a');
        return row?.status === 'up' && row.registeredAtMs >= restartedAtMs - 1000;
      },
      120_000,
    );
    const back = await settled('dev2-a back with its targets');
    assert.deepEqual(
      targets.filter((t) => back.get(t.id) === 'dev2-a').map((t) => t.address),
      itsTargets.map((t) => t.address),
      'the same targets as before the kill',
    );
    const again = (await agentRows()).get('dev2-a')!;
    assert.equal(again.status, 'up');
    assert.equal(again.firstSeenMs, firstSeenMs, 'first seen kept across the restart');
    assert.ok(again.registeredAtMs >= restartedAtMs - 1000, 'registered again');
    const afterRestart = await work();
    for (const id of itsPaths) assert.equal(afterRestart.get(id)?.holder, 'dev2-a', `${id} held by dev2-a again`);
    await waitFor(
      "rounds of dev2's paths again",
      async () => {
        for (const id of itsPaths) if ((await roundsOf(id, restartedAtMs)) < 2) return false;
        return true;
      },
      60_000,
    );
  });

  test('the leader SIGKILLed during an open incident: a new leader within the hold time resolves the same ticket, no mail lost or doubled', async (t) => {
    const lease = await waitFor('a leader', leader);
    const oldLeader = agents.get(lease.holder)!;
    const holders = await work();
    // The incident belongs to an agent that stays up (its evaluator resolves it); the leader only delivers.
    const target = targets.find((t) => holders.get(t.id)?.holder !== lease.holder && holders.get(t.id)?.status === 'assigned');
    assert.ok(target, `a target not held by the leader ${lease.holder}`);
    const table = 'pathmon_fleet_e2e';
    // The table goes with the router's namespace at lab down if the test stops before removing it.
    nft(
      target.router,
      `table inet ${table} {
  chain input {
    type filter hook input priority 0; policy accept;
    ip daddr ${target.address} icmp type echo-request drop
  }
}
`,
    );
    const ticket = await waitFor(`a ticket for ${target.address}`, () => rig.freshdesk.tickets.find((t) => t.subject.includes(target.address)), 60_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${allLogs()}`);
    });
    await waitFor('the opened mail', () => rig.smtp.messages.find((m) => m.subject.includes(target.address)), 30_000);

    // Killed once the leader has stored what it delivered: the outbox is at-least-once by design, and a
    // kill between the SMTP server's accept and that write would send the mail again (see the report).
    await waitFor('no notification in flight', async () => (await outboxRows()).every((row) => row.state !== 'pending'), 30_000);
    const mailsAtKill = rig.smtp.messages.length;
    const killedAtMs = Date.now();
    await oldLeader.kill();
    const next = await waitFor(
      'another leader',
      async () => {
        const now = await leader();
        return now && now.holder !== lease.holder ? now : null;
      },
      4 * HOLD_MS,
    );
    const tookOverMs = Date.now() - killedAtMs;
    t.diagnostic(`leader ${lease.holder} SIGKILLed; ${next.holder} leads ${tookOverMs} ms later (hold time ${HOLD_MS} ms)`);
    assert.ok(tookOverMs <= HOLD_MS + 2 * REPORT_MS, `a new leader after ${tookOverMs} ms; expected within the hold time ${HOLD_MS} ms`);
    assert.equal(next.epoch, lease.epoch + 1);

    nft(target.router, `delete table inet ${table}\n`);
    await waitFor('the ticket resolved', () => ticket.status === 4 || ticket.status === 5, 60_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${allLogs()}`);
    });
    await waitFor('the resolved mail', () => rig.smtp.messages.find((m) => m.subject.includes(target.address) && /resolved/i.test(m.subject)), 30_000);
    // Anything still in flight settles within a report or two.
    await new Promise((resolve) => setTimeout(resolve, 2 * REPORT_MS));
    assert.deepEqual(
      rig.freshdesk.tickets.map((t) => t.id),
      [ticket.id],
      `one ticket for the incident: ${rig.freshdesk.tickets.map((t) => t.subject).join(' | ')}`,
    );
    const mails = rig.smtp.messages.filter((m) => m.subject.includes(target.address)).map((m) => m.subject);
    const diagnosis = `mails (${mailsAtKill} before the kill of ${lease.holder}): ${rig.smtp.messages.map((m) => m.subject).join(' | ')}\n` + `outbox: ${JSON.stringify(await outboxRows())}`;
    assert.equal(mails.filter((s) => /opened/i.test(s)).length, 1, diagnosis);
    assert.equal(mails.filter((s) => /resolved/i.test(s)).length, 1, diagnosis);
    assert.equal(rig.smtp.messages.length, mails.length, `no other mail: ${rig.smtp.messages.map((m) => m.subject).join(' | ')}`);
  });
});

/**
 * The fleet's one localizer: two agents, one on each lab host, each probing the cover walks from its
 * own host. R4–R6 goes down; the walks of both agents cross it. The leader evaluates both agents'
 * published rounds: one link incident, one ticket (each agent alone would open its own). The leader is
 * then SIGKILLed with the incident open: the other agent leads within the hold time, continues the same
 * incident from the store and, once the link is back, resolves the same ticket.
 */
describe('a fleet of two agents with cover walks: one localizer, on the leader', { skip }, () => {
  const walkLab = uniqueLabName();
  const walkSchema = uniqueSchemaName('pmflwalk');
  const walkFleet = 'walks';
  const rig: FleetLabRig = new FleetLabRig({ lab: walkLab, schema: walkSchema, topologyFile, apiKey, configFor: (...args) => configFor(...args) });
  const agents = rig.agents;

  const allLogs = () => [...agents.values()].map((agent) => `--- ${agent.spec.agentId} ---\n${agent.log}`).join('\n');
  const alive = () => {
    for (const agent of agents.values()) if (agent.running) agent.assertAlive();
  };
  const leader = async () => (await leases(rig.admin.sqlClient, walkFleet)).find((lease) => lease.name === 'leader' && lease.live) ?? null;
  const linkIncidents = async () =>
    (await rig.admin.sqlClient.query<{ id: string; state: string; subject_key: string }>("SELECT id, state, subject_key FROM incidents WHERE subject_key NOT LIKE 'path:%' ORDER BY opened_at_ms"))
      .rows;
  const impair = (...args: string[]) => {
    const run = runCli(['lab', 'impair', '--lab', walkLab, ...args]);
    assert.equal(run.status, 0, run.stderr);
  };

  const configFor = (agentId: string, node: string, peer: string, freshdeskPort: number) => `topology: ${join(repoRoot, topologyFile)}
prober: { node: ${node} }
probing: { intervalMs: ${intervalMs}, probesPerRound: 10, probeSpacingMs: 10, timeoutMs: 250 }
localize: { coverage: 2, probesPerWalk: 100, probeSpacingMs: 1 }
linkThresholds: { lossPct: 2, addedDelayMs: 1 }
thresholds: { delayMs: 500, lossPct: 50 }
hysteresisRounds: 2
groups: [ { name: from-${node}, endpoints: [${peer}] } ]
storage: { url: "${testPgUrl}", schema: ${walkSchema} }
fleet: { name: ${walkFleet}, agentId: ${agentId}, holdTimeMs: ${HOLD_MS}, reportIntervalMs: ${REPORT_MS} }
notifiers:
  freshdesk: { baseUrl: "http://127.0.0.1:${freshdeskPort}", apiKey: { env: PATHMON_E2E_FD_KEY }, requesterEmail: noc@example.net, maxRetries: 1 }
  email: { host: 127.0.0.1, port: ${rig.smtp.port}, tls: none, from: pathmon@example.net, to: [noc@example.net] }
`;

  before(async () => {
    await rig.up([
      ['walks-dev1', 'dev1', 'dev2'],
      ['walks-dev2', 'dev2', 'dev1'],
    ]);
  });

  after(async () => {
    await rig.down();
  });

  test("R4–R6 down under both agents' walks: one incident and one ticket; the leader killed, the new leader resolves that ticket", async (t) => {
    // Both agents probing their walks and publishing their rounds, and a leader evaluating them.
    await waitFor(
      'both agents publishing rounds with walks',
      async () => {
        alive();
        const { rows } = await rig.admin.sqlClient.query<{ agent_id: string; walks: unknown }>(
          "SELECT agent_id, (SELECT count(*) FROM jsonb_array_elements(routes) r WHERE r->>'kind' = 'walk') AS walks FROM fleet_round_outcomes WHERE fleet = $1",
          [walkFleet],
        );
        return rows.length === 2 && rows.every((row) => Number(row.walks) > 0);
      },
      120_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${allLogs()}`);
    });
    const lease = await waitFor('a leader', leader);
    // Warm baselines; a healthy fleet opens nothing.
    await new Promise((resolve) => setTimeout(resolve, 6 * intervalMs));
    assert.deepEqual(
      rig.freshdesk.tickets.map((ticket) => ticket.subject),
      [],
      'no ticket while everything is up',
    );

    impair('R4', 'R6', '--down');
    const ticket = await waitFor('a ticket for R4–R6', () => rig.freshdesk.tickets.find((ticket) => ticket.subject.includes('R4') && ticket.subject.includes('R6')), 60_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${allLogs()}`);
    });
    // A few more rounds: had each agent localized alone, the second agent's incident would come now.
    await new Promise((resolve) => setTimeout(resolve, 4 * intervalMs));
    const linkTickets = () => rig.freshdesk.tickets.filter((ticket) => !ticket.subject.includes(' > '));
    assert.deepEqual(
      linkTickets().map((ticket) => ticket.id),
      [ticket.id],
      `one link ticket: ${rig.freshdesk.tickets.map((ticket) => ticket.subject).join(' | ')}`,
    );
    const open = await linkIncidents();
    assert.equal(open.length, 1, JSON.stringify(open));
    assert.equal(open[0]!.state, 'open');
    // Decided from both agents' walks (one evaluation over the fleet), and no agent tried a second one.
    const { rows: evidence } = await rig.admin.sqlClient.query<{ source_node: string }>(
      `SELECT DISTINCT w.source_node FROM incidents i, jsonb_array_elements_text(i.record->'evidenceRoutes') AS e(route_id)
         JOIN fleet_work w ON w.fleet = $1 AND w.route_id = e.route_id AND w.kind = 'walk'
        WHERE i.id = $2 ORDER BY 1`,
      [walkFleet, open[0]!.id],
    );
    assert.deepEqual(
      evidence.map((row) => row.source_node),
      ['dev1', 'dev2'],
      'the incident rests on the walks of both agents',
    );
    assert.ok(!/already has an open incident/.test(allLogs()), `no agent opened the incident a second time:\n${allLogs()}`);

    await agents.get(lease.holder)!.kill();
    const killedAtMs = Date.now();
    const next = await waitFor(
      'another leader',
      async () => {
        const now = await leader();
        return now && now.holder !== lease.holder ? now : null;
      },
      4 * HOLD_MS,
    );
    t.diagnostic(`leader ${lease.holder} SIGKILLed; ${next.holder} leads ${Date.now() - killedAtMs} ms later`);
    // The survivor's own walks still cross R4–R6: still broken, still the one incident.
    await new Promise((resolve) => setTimeout(resolve, 3 * intervalMs));
    assert.equal((await linkIncidents()).length, 1, 'no second incident from the new leader');

    impair('R4', 'R6', '--clear', '--up');
    await waitFor('the ticket resolved', () => ticket.status === 4 || ticket.status === 5, 60_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${allLogs()}`);
    });
    await new Promise((resolve) => setTimeout(resolve, 2 * REPORT_MS));
    assert.deepEqual(
      linkTickets().map((t) => t.id),
      [ticket.id],
      `still one link ticket: ${rig.freshdesk.tickets.map((t) => t.subject).join(' | ')}`,
    );
    const after = await linkIncidents();
    assert.deepEqual(
      after.map((row) => `${row.id} ${row.state}`),
      [`${open[0]!.id} resolved`],
      'the same incident, resolved by the new leader',
    );
  });
});
